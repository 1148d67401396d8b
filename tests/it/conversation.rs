//! A conversation rather than a search box: small talk and handing over to a person in three
//! languages, follow-ups read with the previous question, tier questions that reason, and the
//! log of what the bot could not answer.

use policybot::app::App;
use policybot::bot::Input;
use policybot::clock::Clock;
use policybot::store::questions::Outcome;

use crate::helpers::{join, run_in, spawn_app, stderr, stdout};

/// The refusal's opening words in each language (the policy says nothing about this).
const REFUSALS: [&str; 3] = ["没有与您的问题相关的规定", "沒有與您的問題相關的規定", "says nothing about this"];

fn refused(reply: &str) -> bool {
    REFUSALS.iter().any(|refusal| reply.contains(refusal))
}

#[tokio::test]
async fn greetings_thanks_goodbyes_and_questions_about_the_bot_get_their_own_reply_in_three_languages() {
    let test = spawn_app().await;
    let cases = [
        ("你好", "您好！我根据"),
        ("您好呀～", "您好！我根据"),
        ("哈囉", "您好！我根據"),
        ("hello", "Hello! I answer questions"),
        ("Hi there 👋", "Hello! I answer questions"),
        ("谢谢你", "不客气"),
        ("多謝晒！", "不客氣"),
        ("thanks!", "You're welcome"),
        ("再见", "再见"),
        ("bye bye", "Goodbye"),
        ("你是谁？", "机器人"),
        ("你是機器人嗎？", "機器人"),
        ("who are you?", "automated bot"),
        ("你能做什么？", "我可以"),
        ("what can you do?", "I can:"),
    ];
    for (message, expected) in cases {
        let reply = test.say("chatty", message).await;
        assert!(reply.contains(expected), "{message:?} got {reply}");
        assert!(!refused(&reply), "{message:?} was refused: {reply}");
    }
}

#[tokio::test]
async fn asking_for_a_person_gives_the_contact_and_logs_the_question_in_three_languages() {
    let test = spawn_app().await;
    for (message, expected) in
        [("转人工", "12333"), ("我想轉人工服務", "12333"), ("Can I talk to a real person?", "hotline 12333")]
    {
        let reply = test.say("handover", message).await;
        assert!(reply.contains(expected) && !refused(&reply), "{message:?} got {reply}");
        assert!(!reply.contains("人工成本"), "{message:?} was answered from the policy: {reply}");
    }
    let logged = test.app.bot.question_log(0, 100).await.unwrap();
    let handovers: Vec<&str> =
        logged.iter().filter(|q| q.outcome == Outcome::Handover).map(|q| q.text.as_str()).collect();
    assert_eq!(handovers, ["转人工", "我想轉人工服務", "Can I talk to a real person?"]);
}

#[tokio::test]
async fn a_follow_up_is_read_with_the_previous_question() {
    let test = spawn_app().await;
    let first = test.say("family", "高级技师能落户吗？").await;
    assert!(first.contains("落户"), "{first}");
    let reply = test.say("family", "那我老婆孩子呢？").await;
    assert!(reply.contains("配偶、子女"), "{reply}");

    test.say("expat", "Can a senior technician get hukou in Zhanjiang?").await;
    let reply = test.say("expat", "And my kids?").await;
    assert!(reply.contains("children"), "{reply}");

    test.say("tiers", "省级技能大师工作室带头人算几类？").await;
    let reply = test.say("tiers", "那全国技术能手呢？").await;
    assert!(reply.starts_with("全国技术能手荣誉称号获得者属于湛江市高层次人才A类"), "{reply}");
}

#[tokio::test]
async fn a_follow_up_long_after_the_question_stands_alone() {
    let test = spawn_app().await;
    test.say("later", "省级技能大师工作室带头人算几类？").await;
    let an_hour_later = App::build(&test.settings, Clock::fixed(2026, 11, 23, 11)).await.unwrap();
    let replies = an_hour_later
        .bot
        .handle(&policybot::bot::Sender::new("test", "later", None), Input::Text("那全国技术能手呢？".into()))
        .await;
    let reply = join(&replies);
    assert!(!reply.starts_with("全国技术能手荣誉称号获得者属于"), "{reply}");
}

#[tokio::test]
async fn a_question_naming_its_honour_gets_its_tier_with_the_self_test_as_a_button() {
    let test = spawn_app().await;
    let replies = test.send("welder", Input::Text("我拿的是省里的能手奖，不是全国的，算几类人才？".into())).await;
    assert!(replies[0].text.starts_with("省部级能手奖获得者属于湛江市高层次人才B类"), "{}", replies[0].text);
    assert!(replies[0].buttons.iter().any(|button| button.data == "menu:eligibility"), "{:?}", replies[0].buttons);
    let reply = test.say("welder", "省级技能大师工作室带头人是A类还是B类？").await;
    assert!(reply.starts_with("省级技能大师工作室带头人属于湛江市高层次人才B类"), "{reply}");
    let reply = test
        .say("welder", "Is a national technical expert Category A or B? My colleague isn't a provincial one.")
        .await;
    assert!(reply.starts_with("Holders of the National Technical Expert title are in Category A"), "{reply}");
}

#[tokio::test]
async fn refused_questions_are_logged_redacted_and_without_who_asked() {
    let test = spawn_app().await;
    let reply = test.say("tenant", "人才公寓租金多少？我身份证440802199003071234，电话13800138000").await;
    assert!(refused(&reply), "{reply}");
    test.say("tenant", "人才公寓怎么申请？").await;
    let logged = test.app.bot.question_log(0, 100).await.unwrap();
    let refusals: Vec<_> = logged.iter().filter(|q| q.outcome == Outcome::Refused).collect();
    assert_eq!(refusals.len(), 1, "{logged:?}");
    let text = &refusals[0].text;
    assert!(text.starts_with("人才公寓租金多少？"), "{text}");
    assert!(!text.contains("440802199003071234") && !text.contains("13800138000"), "{text}");
    assert_eq!(refusals[0].lang, "zh");
    assert!(refusals[0].confidence.is_some(), "{:?}", refusals[0]);
}

#[test]
fn the_questions_command_groups_the_log_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let chat =
        run_in(dir.path(), &["chat"], "人才公寓租金多少？\n人才公寓的租金是多少钱\n转人工\n湛江明天会下雨吗？\n");
    assert!(chat.status.success(), "{}", stderr(&chat));
    let output = run_in(dir.path(), &["questions", "--json"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let groups: Vec<serde_json::Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(groups.len(), 3, "{groups:?}");
    assert_eq!(groups[0]["count"], 2);
    assert!(groups[0]["examples"][0].as_str().unwrap().contains("租金"));
    assert_eq!(groups[0]["outcomes"]["refused"], 2);
    let text = run_in(dir.path(), &["questions", "--since", "2000-01-01"], "");
    assert!(stdout(&text).starts_with("   2×  "), "{}", stdout(&text));
    let none = run_in(dir.path(), &["questions", "--since", "2999-01-01"], "");
    assert_eq!(stdout(&none), "No questions logged since then.\n");
}
