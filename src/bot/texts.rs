//! The bot core's own words (menus, filing receipts, status lists, privacy), in zh and en.

use super::commands::{self, Audience};
use crate::lang::Bilingual;

pub fn menu_intro() -> Bilingual {
    Bilingual::new("请选择，或直接输入您的问题：", "Choose below, or just type your question:")
}

pub fn menu_ask() -> Bilingual {
    Bilingual::new("咨询政策", "Ask a question")
}

pub fn menu_eligibility() -> Bilingual {
    Bilingual::new("人才资格自测", "Check my tier")
}

pub fn menu_apply() -> Bilingual {
    Bilingual::new("办理申请", "Apply")
}

pub fn menu_status() -> Bilingual {
    Bilingual::new("我的申请", "My applications")
}

pub fn ask_prompt() -> Bilingual {
    Bilingual::new(
        "请直接输入您的问题，例如“人才公寓怎么申请？”",
        "Type your question, e.g. \"How do I apply for a talent apartment?\"",
    )
}

pub fn help() -> Bilingual {
    let list = commands::list(Audience::Everyone, &Bilingual::new("可用指令：", "Commands:"));
    Bilingual::new(
        format!("{}\n填写表单时可发送：返回、跳过、取消、帮助，确认页可发送“修改 N”。", list.zh),
        format!("{}\nIn a form you can send: back, skip, cancel, help; on the summary: edit N.", list.en),
    )
}

pub fn staff_usage() -> Bilingual {
    commands::list(Audience::Staff, &Bilingual::new("工作人员指令：", "Staff commands:"))
}

pub fn choose_form() -> Bilingual {
    Bilingual::new("您想办理哪一项？", "What would you like to apply for?")
}

pub fn apply_button(title: &Bilingual) -> Bilingual {
    Bilingual::new(format!("办理：{}", title.zh), format!("Apply: {}", title.en))
}

pub fn form_in_progress(title: &Bilingual) -> Bilingual {
    Bilingual::new(
        format!("您正在填写“{}”。请继续回答，或发送“取消”放弃后再办理其他事项。", title.zh),
        format!("You are filling in \"{}\". Please carry on, or send \"cancel\" to leave it first.", title.en),
    )
}

pub fn filed(reference: &str, title: &Bilingual) -> Bilingual {
    Bilingual::new(
        format!(
            "✅ 已提交“{}”，申请编号：{reference}\n工作人员审核后会通知您，您也可以随时发送 /status 查询进度。",
            title.zh
        ),
        format!(
            "✅ Your \"{}\" was filed. Reference: {reference}\nStaff will tell you when it has been reviewed; send /status at any time to check.",
            title.en
        ),
    )
}

pub fn nothing_to_cancel() -> Bilingual {
    Bilingual::new("您当前没有正在填写的表单。", "You are not filling in any form.")
}

pub fn files_only_in_forms() -> Bilingual {
    Bilingual::new(
        "我只在填写申请表时接收文件（如证书照片）。请先发送 /apply 开始申请。",
        "I only take files inside an application form (e.g. a certificate photo). Send /apply to start one.",
    )
}

pub fn stale_button() -> Bilingual {
    Bilingual::new("这个按钮已失效，请发送 /start 查看菜单。", "That button has expired; send /start for the menu.")
}

pub fn choose_lang() -> Bilingual {
    Bilingual::new("请选择语言：", "Choose your language:")
}

pub fn lang_set() -> Bilingual {
    Bilingual::new("好的，之后我会用简体中文回复。", "OK, I will reply in English from now on.")
}

pub fn no_applications() -> Bilingual {
    Bilingual::new(
        "您还没有提交过申请。发送 /apply 开始办理。",
        "You have not filed any application yet. Send /apply to start one.",
    )
}

pub fn status_title() -> Bilingual {
    Bilingual::new("您的申请：", "Your applications:")
}

pub fn correction_requested(fields: &str, note: &str) -> Bilingual {
    Bilingual::new(format!("需补正：{fields}；说明：{note}"), format!("To correct: {fields}; note: {note}"))
}

pub fn correct_button(reference: &str) -> Bilingual {
    Bilingual::new(format!("补正 {reference}"), format!("Correct {reference}"))
}

pub fn nothing_to_correct() -> Bilingual {
    Bilingual::new("这份申请目前不需要补正。", "This application does not need a correction now.")
}

pub fn forget_confirm() -> Bilingual {
    Bilingual::new(
        "确定要删除吗？将删除：正在填写的表单、未提交的文件、您的同意记录和语言设置。\n已提交的申请是政务档案，会按规定保存，不会删除；如需撤回请联系工作人员。",
        "Are you sure? This erases the form you are filling in, files not yet filed, your consent record and language setting.\n\
         Filed applications are official records and are kept as the rules require; to withdraw one, contact staff.",
    )
}

pub fn forget_button() -> Bilingual {
    Bilingual::new("确认删除", "Yes, erase")
}

pub fn keep_button() -> Bilingual {
    Bilingual::new("不删除", "No, keep it")
}

pub fn forgotten() -> Bilingual {
    Bilingual::new("已删除您的草稿和个人设置。", "Your drafts and personal settings were erased.")
}

pub fn kept() -> Bilingual {
    Bilingual::new("好的，没有删除任何内容。", "OK, nothing was erased.")
}

pub fn my_data_title() -> Bilingual {
    Bilingual::new("我们保存的您的数据（JSON）：", "The data we keep about you (JSON):")
}

pub fn slow_down() -> Bilingual {
    Bilingual::new(
        "您发送消息太快了，请稍等几秒再发。这期间的消息我没有处理，请稍后重新发送。",
        "You are sending messages too quickly. Please wait a few seconds; I did not read the messages sent in the meantime, so please send them again.",
    )
}
