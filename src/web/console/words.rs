//! The console's own words in Chinese (the default) and English: one table, looked up by key
//! from the templates (`page.t("applications")`). A key missing from the table shows as
//! `⟦key⟧`, which every page's test looks for.

use crate::lang::{Bilingual, Lang};
use crate::web::words::{self, Table};

/// (key, Chinese, English).
const WORDS: &Table = &[
    ("console", "人才政策服务 · 工作台", "Talent policy desk"),
    ("switch_lang", "English", "中文"),
    ("login_title", "工作人员登录", "Staff sign-in"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("login_refused", "用户名或密码不正确。", "Wrong username or password."),
    (
        "login_throttled",
        "登录失败次数过多，请 {seconds} 秒后再试。",
        "Too many failed sign-ins: try again in {seconds} s.",
    ),
    ("failed", "系统暂时出了点问题，请稍后再试。", "Something went wrong on our side; please try again shortly."),
    ("not_found", "没有找到这件申请。", "No such application."),
    ("file_missing", "这个文件已不在服务器上。", "This file is no longer on the server."),
    ("bad_format", "导出格式只能是 CSV 或 XLSX。", "The export format is CSV or XLSX."),
    ("admins_only", "只有管理员可以查看此页。", "Only administrators may see this page."),
    ("applications", "申请", "Applications"),
    ("questions", "待解答问题", "Questions"),
    ("figures", "统计", "Figures"),
    ("audit", "审计日志", "Audit log"),
    ("form", "事项", "Form"),
    ("all", "全部", "All"),
    ("status", "状态", "Status"),
    ("from", "起始日期", "From"),
    ("to", "截止日期", "To"),
    ("search", "搜索", "Search"),
    ("search_hint", "编号或姓名", "Reference or name"),
    ("filter", "筛选", "Filter"),
    ("found", "共", "Found:"),
    ("none_found", "没有符合条件的申请。", "No application matches."),
    ("reference", "编号", "Reference"),
    ("filed", "提交时间", "Filed"),
    ("applicant", "申请人", "Applicant"),
    ("pages", "分页", "Pages"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("back_to_list", "返回列表", "Back to the list"),
    ("decided", "已处理，当前状态：", "Done; the status is now: "),
    ("updated", "更新时间", "Updated"),
    ("tier", "认定层次", "Tier"),
    ("answers", "填报内容", "Answers"),
    ("files", "附件", "Files"),
    ("download", "下载", "Download"),
    ("decision", "审核决定", "Decision"),
    ("approve", "通过", "Approve"),
    ("note_optional", "备注（可选，申请人可见）", "Note (optional, the applicant reads it)"),
    ("reject", "驳回", "Reject"),
    ("reason", "驳回理由（申请人可见）", "Reason (the applicant reads it)"),
    ("need_info", "要求补正", "Ask for more information"),
    ("fields_to_correct", "需要重新填写的项目", "Fields to answer again"),
    ("what_is_missing", "说明（申请人可见）", "What is wrong or missing (the applicant reads it)"),
    ("history", "办理记录", "History"),
    ("when", "时间", "When"),
    ("who", "操作人", "Who"),
    ("change", "状态变化", "Change"),
    ("note", "备注", "Note"),
    ("not_allowed", "这件申请当前的状态不允许此操作。", "The application's status does not allow this."),
    ("need_reason", "驳回需要填写理由。", "A rejection needs a reason."),
    (
        "need_fields",
        "请至少勾选一个需要重新填写的项目，并写明说明。",
        "Tick at least one field to answer again, and say what is wrong.",
    ),
    ("unknown_field", "这个表单没有所选的项目。", "The form has no such field."),
    ("bad_action", "未知的操作。", "Unknown action."),
    ("action", "操作", "Action"),
    ("detail", "对象", "Detail"),
    (
        "questions_intro",
        "机器人未能回答、回答不确定或转人工的问题，按相似程度归组",
        "Questions the bot refused, answered unsurely or handed over, grouped by likeness",
    ),
    ("days", "天内", "days"),
    ("no_questions", "这段时间没有需要处理的问题。", "No such questions in this period."),
    ("count", "次数", "Count"),
    ("question", "问题", "Question"),
    ("outcome", "结果", "Outcome"),
    ("last_asked", "最近一次", "Last asked"),
    ("answered", "已回答", "answered"),
    ("not_answered", "未回答或转人工", "not answered or handed over"),
    ("refused", "无法回答", "refused"),
    ("uncertain", "回答不确定", "uncertain"),
    ("handover", "转人工", "handed over"),
    ("figures_intro", "各事项的填报漏斗与问答统计", "Each form's funnel and the Q&A figures"),
    ("qa", "问答", "Questions and answers"),
    ("questions_per_day", "每日问题数", "Questions per day"),
    ("top_clauses", "引用最多的条款", "Clauses quoted most"),
    ("clause_before", "第", "Clause "),
    ("clause_after", "条", ""),
    ("funnels", "填报漏斗", "Form funnels"),
    ("started", "开始", "started"),
    ("filed_count", "提交", "filed"),
    ("stage_started", "开始填报", "Started"),
    ("stage_summary", "到达确认页", "Reached the summary"),
    ("stage_filed", "提交申请", "Filed"),
    ("nothing_yet", "这段时间还没有数据。", "Nothing in this period yet."),
];

/// The language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ui {
    /// Chinese.
    #[default]
    Zh,
    /// English.
    En,
}

impl Ui {
    /// The language a cookie value names (Chinese unless it says English).
    pub fn from_code(code: Option<&str>) -> Self {
        if code == Some("en") { Self::En } else { Self::Zh }
    }

    /// Its code (`zh`, `en`), for the cookie and the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// The language of the bot's texts this is.
    pub fn lang(self) -> Lang {
        match self {
            Self::Zh => Lang::Zh,
            Self::En => Lang::En,
        }
    }

    /// The text of `bilingual` in this language.
    pub fn pick(self, bilingual: &Bilingual) -> &str {
        match self {
            Self::Zh => &bilingual.zh,
            Self::En => &bilingual.en,
        }
    }

    /// The word `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        match words::find(WORDS, "console", key) {
            Some((zh, en)) => match self {
                Self::Zh => zh,
                Self::En => en,
            },
            None => "⟦missing word⟧",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_once_with_both_languages() {
        for (key, zh, en) in WORDS {
            assert!(!zh.is_empty() && (!en.is_empty() || *key == "clause_after"), "{key}");
        }
        assert_eq!(words::repeated_keys(WORDS), Vec::<&str>::new());
        assert_eq!(Ui::En.t("sign_in"), "Sign in");
        assert_eq!(Ui::Zh.t("no such key"), "⟦missing word⟧");
    }
}
