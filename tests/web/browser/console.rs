//! The staff console in a real browser.

use super::Browser;
use crate::support::spawn;

#[tokio::test]
async fn the_login_page_renders_in_chromium_with_its_styles() {
    let Some(browser) = Browser::start("the_login_page_renders_in_chromium_with_its_styles", 1280, 800).await else {
        return;
    };
    let web = spawn().await;
    browser.open(&format!("{}/console/login", web.base)).await;
    browser.find("input[name=username]").await;
    browser.find("input[name=password]").await;
    let background = browser.eval("return getComputedStyle(document.querySelector('header')).backgroundColor").await;
    assert_eq!(background, "rgb(18, 50, 79)", "the built-in style sheet applies");
    browser.close().await;
    web.close().await;
}
