//! Guided forms through the bot core on a temporary SQLite file: every form completed, with
//! invalid answers, back, skip, cancel and edits on the way; resuming after a restart; staff
//! review and the applicant's correction; privacy commands.

use policybot::dialog::value::Value;
use policybot::filing::{Filing, Status};
use policybot::staff::Decision;
use policybot::store::applications::{self, Filter};
use policybot::store::{attachments, sessions};

use crate::helpers::{TestApp, reference_in, spawn_app};

const ID: &str = "440802199001011238";
const SPOUSE_ID: &str = "32010219921111001X";

async fn filed(app: &TestApp, reference: &str) -> (applications::Application, Filing) {
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    let application = applications::by_reference(&mut conn, reference).await.unwrap().expect("filed");
    let filing = application.filing.clone();
    (application, filing)
}

/// `user` books a tax-guidance appointment; its reference.
async fn file_tax_guidance(app: &TestApp, user: &str) -> String {
    let answers = ["吴九", "13800138000", "湛江港集团", "2026-11-25", "1", "专项附加扣除怎么填", "确认"];
    reference_in(&app.fill_in(user, "预约个税汇算辅导", &answers).await)
}

#[tokio::test]
async fn a_talent_apartment_application_is_filed_after_invalid_answers_back_skip_and_an_edit() {
    let app = spawn_app().await;
    let text = app.say("ana", "我要申请人才公寓").await;
    assert!(text.contains("人才公寓申请") && text.contains("个人信息"), "consent comes first: {text}");
    assert!(app.press("ana", "yes").await.contains("您的姓名"));
    app.answer_all("ana", &["张三"]).await;
    let text = app.say("ana", "440802199001011230").await;
    assert!(text.contains("⚠️") && text.contains("您的居民身份证号码"), "wrong check digit is explained: {text}");
    app.answer_all("ana", &[ID]).await;
    let text = app.say("ana", "12345").await;
    assert!(text.contains("⚠️") && text.contains("手机号码"), "{text}");
    app.answer_all("ana", &["13800138000", "湛江港集团"]).await;
    let text = app.say("ana", "返回").await;
    assert!(text.contains("当前答案：湛江港集团"), "back shows the earlier answer: {text}");
    app.answer_all("ana", &["宝钢湛江钢铁有限公司"]).await;
    app.press("ana", "choose:C").await;
    assert!(app.say("ana", "跳过").await.contains("人才身份证明"), "the optional reference is skipped");
    let text = app.say("ana", "没有证书").await;
    assert!(text.contains("⚠️") && text.contains("照片"), "text where a file is asked is explained: {text}");
    assert!(app.send_file("ana", "认定证书.png", b"\x89PNG fake").await.contains("拟入住人数"));
    app.answer_all("ana", &["3"]).await;
    app.press("ana", "no").await;
    app.press("ana", "choose:xiashan").await;
    let text = app.say("ana", "2026-10").await;
    assert!(text.contains("⚠️"), "a month in the past is refused: {text}");
    app.answer_all("ana", &["2027-01"]).await;
    let summary = app.say("ana", "跳过").await;
    assert!(
        summary.contains("请确认“人才公寓申请”的信息") && summary.contains("霞山区") && summary.contains("2027-01"),
        "{summary}"
    );
    let text = app.say("ana", "修改 8").await;
    assert!(text.contains("拟入住人数"), "{text}");
    let summary = app.say("ana", "4").await;
    assert!(summary.contains("8. 拟入住人数（含本人）：4"), "the edit returns to the summary: {summary}");
    let receipt = app.press("ana", "confirm").await;
    let reference = reference_in(&receipt);
    assert_eq!(reference, "ZJ-APARTMENT-2026-000001");

    let (application, filing) = filed(&app, &reference).await;
    assert_eq!(application.status, Status::Submitted);
    assert_eq!(filing.answers["household_size"], Value::Integer(4));
    assert_eq!(filing.answers["recognition_reference"], Value::Skipped);
    assert!(matches!(&filing.answers["id_card"], Value::IdCard(id) if id.as_str() == ID));
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    assert!(sessions::get(&mut conn, application.user_id).await.unwrap().is_none(), "the draft is gone once filed");
}

#[tokio::test]
async fn the_eligibility_check_leads_to_a_prefilled_recognition_application_with_a_certificate() {
    let app = spawn_app().await;
    let text = app.say("bo", "我能认定为哪类人才？").await;
    assert!(text.contains("以下哪些适用于您"), "{text}");
    let result = app.say("bo", "3").await;
    assert!(result.contains("A类") && result.contains("28项") && result.contains("这是最高一类"), "{result}");
    let text = app.press("bo", "start:talent-recognition:national-technical-expert").await;
    assert!(text.contains("个人信息"), "{text}");
    app.press("bo", "yes").await;
    app.answer_all("bo", &["王五", ID, "13900139000", "湛江港集团", "GZ-2021-0042", "2021年6月30日"]).await;
    let text = app.say("bo", "证书我稍后补").await;
    assert!(text.contains("需要上传文件"), "text instead of a file is explained: {text}");
    let text = app.send_file("bo", "virus.exe", b"MZ").await;
    assert!(text.contains("不是照片（JPG/PNG）或PDF 文件"), "{text}");
    let text = app.send_file("bo", "证书.jpg", b"MZ\x90\x00 renamed").await;
    assert!(text.contains("按文件内容判断"), "a renamed program is refused by its content: {text}");
    let summary = app.send_file("bo", "证书.jpg", b"\xFF\xD8\xFF fake jpeg").await;
    assert!(
        summary.contains("全国技术能手") && summary.contains("认定层次：湛江市高层次人才A类"),
        "prefilled and tiered: {summary}"
    );
    let reference = reference_in(&app.press("bo", "confirm").await);
    assert_eq!(reference, "ZJ-RECOGNITION-2026-000001");

    let (application, filing) = filed(&app, &reference).await;
    assert_eq!(filing.tier.as_deref(), Some("A"));
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    let files = attachments::of_application(&mut conn, application.id).await.unwrap();
    assert_eq!(files.len(), 1, "only the accepted file is kept: {files:?}");
    assert_eq!(
        (files[0].field.as_str(), files[0].name.as_str(), files[0].mime.as_str()),
        ("certificate_photo", "证书.jpg", "image/jpeg")
    );
    assert!(std::path::Path::new(&files[0].location).exists());
    let kept = std::fs::read_dir(&app.settings.files_dir).unwrap().count();
    assert_eq!(kept, 1, "the refused file was removed");
}

#[tokio::test]
async fn a_settlement_with_a_spouse_asks_the_spouse_questions() {
    let app = spawn_app().await;
    app.fill_in("cy", "我要办理落户", &["陈一", ID, "13700137000", "广东省茂名市信宜市"]).await;
    app.press("cy", "choose:senior-technician").await;
    app.answer_all("cy", &["GD2020-12345", "湛江钢铁"]).await;
    assert!(app.press("cy", "yes").await.contains("配偶姓名"));
    app.answer_all("cy", &["林二"]).await;
    let text = app.say("cy", ID.replace("1238", "1239").as_str()).await;
    assert!(text.contains("⚠️"), "{text}");
    app.answer_all("cy", &[SPOUSE_ID, "两个"]).await;
    let summary = app.press("cy", "choose:leizhou").await;
    assert!(summary.contains("配偶姓名：林二") && summary.contains("随迁子女人数：2"), "{summary}");
    let reference = reference_in(&app.say("cy", "确认").await);
    let (_, filing) = filed(&app, &reference).await;
    assert!(matches!(&filing.answers["spouse_id_card"], Value::IdCard(id) if id.as_str() == SPOUSE_ID));
}

#[tokio::test]
async fn a_foreign_talent_applies_for_a_visa_in_english() {
    let app = spawn_app().await;
    let text = app.say("dee", "apply for a visa").await;
    assert!(text.contains("Before we continue") && text.contains("Do you agree?"), "{text}");
    app.press("dee", "yes").await;
    let text = app.say("dee", "María José 3").await;
    assert!(text.contains("Latin letters"), "{text}");
    app.answer_all("dee", &["MARIA JOSE GARCIA", "Spanish", "PAA123456"]).await;
    let text = app.say("dee", "2027-01-01").await;
    assert!(text.contains("⚠️"), "a passport expiring within six months is refused: {text}");
    app.answer_all("dee", &["2031-05-31", "Guangdong Ocean University"]).await;
    app.press("dee", "choose:key-university").await;
    app.press("dee", "choose:team-member").await;
    app.press("dee", "choose:residence-permit").await;
    let text = app.say("dee", "7").await;
    assert!(text.contains("⚠️ Please send a number from 2 to 5."), "{text}");
    app.answer_all("dee", &["5", "maria@example.es"]).await;
    let summary = app.say("dee", "skip").await;
    assert!(summary.contains("Please check") && summary.contains("Residence permit"), "{summary}");
    let receipt = app.say("dee", "confirm").await;
    assert!(receipt.contains("ZJ-VISA-2026-000001") && receipt.contains("was filed"), "{receipt}");
}

#[tokio::test]
async fn a_tax_guidance_appointment_needs_a_future_working_day() {
    let app = spawn_app().await;
    app.fill_in("eve", "预约个税汇算辅导", &["赵六", "+86 139-0013-9000", "湛江晨鸣浆纸"]).await;
    assert!(app.say("eve", "2026-11-28").await.contains("⚠️"), "a Saturday is refused");
    assert!(app.say("eve", "今天").await.contains("⚠️"), "today is too early");
    app.answer_all("eve", &["2026-11-24"]).await;
    app.press("eve", "choose:afternoon").await;
    let summary = app.say("eve", "年终奖单独计税还是并入综合所得？").await;
    assert!(summary.contains("13900139000") && summary.contains("下午"), "{summary}");
    assert!(reference_in(&app.say("eve", "确认提交").await).starts_with("ZJ-TAX-2026-"));
}

#[tokio::test]
async fn cancelling_a_form_keeps_nothing() {
    let app = spawn_app().await;
    app.fill_in("fay", "我要申请人才认定", &["孙七", ID]).await;
    let text = app.say("fay", "取消").await;
    assert!(text.contains("已取消"), "{text}");
    assert!(app.say("fay", "/cancel").await.contains("没有正在填写的表单"));
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 0);
    assert_eq!(applications::count(&mut conn).await.unwrap(), 0);
}

#[tokio::test]
async fn declining_consent_collects_nothing() {
    let app = spawn_app().await;
    app.say("gus", "我要申请人才公寓").await;
    let text = app.press("gus", "no").await;
    assert!(text.contains("不会收集任何个人信息"), "{text}");
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 0);
}

#[tokio::test]
async fn after_a_restart_the_user_continues_at_the_same_step() {
    let app = spawn_app().await;
    app.fill_in("hal", "我要申请人才公寓", &["周八", ID]).await;
    let app = app.restart().await;
    let text = app.say("hal", "/start").await;
    assert!(text.contains("您正在填写“人才公寓申请”") && text.contains("(3/11) 您的手机号码"), "{text}");
    let text = app.say("hal", "13600136000").await;
    assert!(text.contains("(4/11) 您的工作单位"), "{text}");
}

#[tokio::test]
async fn a_question_is_answered_with_a_button_to_apply_and_a_wish_starts_the_form() {
    let app = spawn_app().await;
    let replies = app.send("ivy", policybot::bot::Input::Text("人才公寓怎么申请？".into())).await;
    assert!(replies[0].text.contains("常态化申请"));
    assert_eq!(replies[0].buttons[0].data, "start:talent-apartment");
    let text = app.press("ivy", &replies[0].buttons[0].data).await;
    assert!(text.contains("人才公寓申请"), "{text}");
}

#[tokio::test]
async fn staff_need_info_reopens_exactly_the_named_field_and_the_answer_returns_to_review() {
    let app = spawn_app().await;
    let reference = file_tax_guidance(&app, "jo").await;
    let review = app.app.review();
    let dossier = review.open(&reference, "staff:wang").await.unwrap();
    assert_eq!(dossier.application.status, Status::InReview, "opening starts the review");
    let request = Decision::NeedInfo { fields: vec!["phone".into()], note: "电话无法接通".into() };
    review.decide(&reference, "staff:wang", &request).await.unwrap();

    let status = app.say("jo", "/status").await;
    assert!(
        status.contains("待补正") && status.contains("您的手机号码") && status.contains("电话无法接通"),
        "{status}"
    );
    let text = app.press("jo", &format!("amend:{reference}")).await;
    assert!(text.contains("(1/1) 您的手机号码"), "only the named field is asked: {text}");
    let summary = app.say("jo", "13911112222").await;
    assert!(summary.contains("13911112222") && !summary.contains("湛江港集团"), "{summary}");
    assert!(app.say("jo", "确认").await.contains("继续审核"));

    let (application, filing) = filed(&app, &reference).await;
    assert_eq!(application.status, Status::InReview);
    assert!(matches!(&filing.answers["phone"], Value::Phone(p) if p.as_str() == "13911112222"));
    assert_eq!(filing.answers["employer"], Value::Text("湛江港集团".into()), "other answers are kept");
    let approved = review.decide(&reference, "staff:wang", &Decision::Approve(None)).await.unwrap();
    assert_eq!(approved.status, Status::Approved);
    let refused = review.decide(&reference, "staff:wang", &Decision::Reject("太晚了".into())).await;
    assert!(refused.is_err(), "a decision is final");
    let history = review.open(&reference, "staff:wang").await.unwrap().events;
    let moves: Vec<_> = history.iter().map(|e| (e.actor.split(':').next().unwrap(), e.to_status.as_str())).collect();
    assert_eq!(
        moves,
        [
            ("applicant", "submitted"),
            ("staff", "in_review"),
            ("staff", "need_info"),
            ("applicant", "in_review"),
            ("staff", "approved")
        ]
    );
}

#[tokio::test]
async fn a_need_info_request_must_name_fields_the_form_has() {
    let app = spawn_app().await;
    let reference = file_tax_guidance(&app, "kim").await;
    let request = Decision::NeedInfo { fields: vec!["passport".into()], note: "x".into() };
    let err = app.app.review().decide(&reference, "staff:wang", &request).await.unwrap_err();
    assert!(err.to_string().contains("tax-guidance has no field \"passport\""), "{err}");
}

#[tokio::test]
async fn mydata_shows_what_is_kept_and_forget_erases_drafts_and_consent() {
    let app = spawn_app().await;
    app.fill_in("lu", "我要申请人才认定", &["钱十一", ID, "13800138000", "湛江港集团"]).await;
    app.press("lu", "choose:senior-technician").await;
    let data = app.say("lu", "/mydata").await;
    assert!(data.contains("\"consent_version\": \"2026-11-v1\"") && data.contains(ID), "{data}");
    assert!(app.say("lu", "/forget").await.contains("确定要删除吗"));
    assert!(app.press("lu", "forget:yes").await.contains("已删除"));
    let data = app.say("lu", "/mydata").await;
    assert!(data.contains("\"consent_version\": null") && !data.contains(ID), "{data}");
    let text = app.say("lu", "我要申请人才认定").await;
    assert!(text.contains("个人信息"), "consent is asked again: {text}");
}

#[tokio::test]
async fn concurrent_messages_of_one_user_are_handled_one_at_a_time() {
    let app = spawn_app().await;
    app.say("max", "我要申请人才公寓").await;
    app.press("max", "yes").await;
    // Names have no digits: each of the 20 is a valid answer.
    let names: Vec<String> = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉".chars().map(|c| format!("并发{c}")).collect();
    let handles: Vec<_> = names
        .iter()
        .map(|name| {
            let bot = app.app.bot.clone();
            let name = name.clone();
            tokio::spawn(async move {
                bot.handle(&policybot::bot::Sender::new("test", "max", None), policybot::bot::Input::Text(name)).await
            })
        })
        .collect();
    for handle in handles {
        let replies = handle.await.unwrap();
        assert!(!replies.iter().any(|r| r.text.contains("系统暂时出了点问题")), "{replies:?}");
    }
    // The first message answered the name; the other 19 were taken as answers to later
    // questions (and refused where invalid) — but never lost or interleaved.
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    let user = policybot::store::users::get_or_create(&mut conn, "test", "max", "zh", 0).await.unwrap();
    let session = sessions::get(&mut conn, user.id).await.unwrap().expect("still filling in");
    assert_eq!(session.version, 22, "one version per message: start, consent, 20 messages");
    let state = session.state;
    assert!(names.contains(&match &state.answers["name"] {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    }));
}

#[tokio::test]
async fn the_staff_list_filters_by_form_and_status() {
    let app = spawn_app().await;
    for user in ["n1", "n2"] {
        file_tax_guidance(&app, user).await;
    }
    let review = app.app.review();
    let all = review.list(&Filter::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    review.decide(&all[0].reference, "staff", &Decision::Approve(None)).await.unwrap();
    let approved = Filter { status: Some(Status::Approved), ..Filter::default() };
    assert_eq!(review.list(&approved).await.unwrap().len(), 1);
    let other_form = Filter { flow: Some("settlement".into()), ..Filter::default() };
    assert!(review.list(&other_form).await.unwrap().is_empty());
}

#[tokio::test]
async fn two_instances_on_one_database_take_turns_without_losing_an_answer() {
    let first = spawn_app().await;
    let second = policybot::app::App::build(&first.settings, crate::helpers::clock()).await.unwrap();
    let say = |app: &policybot::app::App, text: &str| {
        let (bot, text) = (app.bot.clone(), text.to_owned());
        async move {
            crate::helpers::join(
                &bot.handle(&policybot::bot::Sender::new("test", "oz", None), policybot::bot::Input::Text(text)).await,
            )
        }
    };
    say(&first.app, "预约个税汇算辅导").await;
    say(&second, "同意").await;
    say(&first.app, "欧阳").await;
    // The second instance saw the form two steps ago: its save must notice and re-read.
    let text = say(&second, "13800138000").await;
    assert!(text.contains("您的工作单位"), "{text}");
    let text = say(&first.app, "湛江港集团").await;
    assert!(text.contains("希望辅导的日期"), "{text}");
    say(&second, "2026-11-24").await;
    say(&first.app, "1").await;
    let summary = say(&second, "专项附加扣除怎么填").await;
    assert!(summary.contains("欧阳") && summary.contains("13800138000") && summary.contains("湛江港集团"), "{summary}");
    assert!(reference_in(&say(&first.app, "确认").await).starts_with("ZJ-TAX-"));
}
