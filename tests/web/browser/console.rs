//! The staff console in a real browser: one journey from signing in to an approval whose
//! notification waits in the outbox, with a screenshot of each page.

use policybot::staff::accounts::Role;

use super::Browser;
use crate::support::spawn;

const ID: &str = "440802199003071234";

#[tokio::test]
async fn a_reviewer_signs_in_opens_an_application_sees_its_photo_and_approves_it() {
    let test = "a_reviewer_signs_in_opens_an_application_sees_its_photo_and_approves_it";
    let Some(browser) = Browser::start(test, 1280, 900).await else { return };
    let web = spawn().await;
    let reference = web.file_apartment("7001", "张三", ID).await;
    web.file_apartment("7002", "李四", "440802199003151234").await;
    for (user, question) in [("7003", "你们食堂的红烧肉好吃吗"), ("7004", "食堂红烧肉好不好吃"), ("7005", "转人工")]
    {
        web.say(user, question).await;
    }
    for question in ["人才公寓怎么申请", "高层次人才有什么补贴", "人才公寓的租金是多少"] {
        web.say("7006", question).await;
    }
    let password = web.account("wang", Role::Admin).await;

    browser.open(&format!("{}/console/applications", web.base)).await;
    assert_eq!(browser.path().await, "/console/login", "anonymous: to the sign-in page");
    let background = browser.eval("return getComputedStyle(document.querySelector('header')).backgroundColor").await;
    assert_eq!(background, "rgb(18, 50, 79)", "the built-in style sheet applies");
    browser.screenshot("login").await;
    browser.type_into("input[name=username]", "wang").await;
    browser.type_into("input[name=password]", &password).await;
    browser.click("form.login button[type=submit]").await;

    browser.find("table.applications").await;
    assert_eq!(browser.path().await, "/console/applications");
    browser.screenshot("applications").await;
    browser.click(&format!("a[href='/console/applications/{reference}']")).await;
    browser.find("button[data-action=approve]").await;
    assert_eq!(browser.path().await, format!("/console/applications/{reference}"));
    let loaded =
        browser.eval("const img = document.querySelector('.files img'); return img.complete && img.naturalWidth").await;
    assert_eq!(loaded, 160, "the certificate's photo is shown inline");
    browser.screenshot("application").await;
    browser.eval("document.querySelector('.files').scrollIntoView(); return true").await;
    browser.screenshot("application-files").await;

    browser.type_into("form:has(button[data-action=approve]) textarea[name=note]", "材料齐全，同意。").await;
    browser.click("button[data-action=approve]").await;
    browser.find("p.notice").await;
    assert_eq!(browser.path().await, format!("/console/applications/{reference}?done=approved"));
    browser.eval("document.querySelector('table:last-of-type').scrollIntoView(); return true").await;
    browser.screenshot("approved").await;
    let told = web.outbox_payloads().await;
    assert!(told.iter().any(|payload| payload.contains(&reference) && payload.contains("已通过")), "{told:?}");

    for (path, name) in
        [("/console/questions", "questions"), ("/console/figures", "figures"), ("/console/audit", "audit")]
    {
        browser.open(&format!("{}{path}", web.base)).await;
        browser.find("main h1").await;
        browser.screenshot(name).await;
    }
    browser.close().await;
    web.close().await;
}
