//! The command-line contract: `ask`, `eval`, `chat` and `check` as scripts and users call them.

use serde_json::Value;

use crate::helpers::{corpus_copy, run, stderr, stdout};

#[test]
fn ask_json_prints_one_object_per_question_with_the_contract_fields() {
    let output = run(&["ask", "--json", "人才公寓怎么申请？", "湛江明天会下雨吗？"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 2);
    let answered = &lines[0];
    assert_eq!(answered["question"], "人才公寓怎么申请？");
    assert_eq!(answered["lang"], "zh");
    assert_eq!(answered["found"], true);
    assert!(answered["answer"].as_str().unwrap().contains("常态化申请"));
    assert_eq!(answered["sources"][0]["clause"], "三");
    assert_eq!(answered["sources"][0]["title"], "提升高技能领军人才待遇水平");
    assert!(answered["sources"][0]["text"].as_str().unwrap().contains("人才公寓管理办法"));
    assert_eq!(lines[1]["found"], false);
    assert_eq!(lines[1]["sources"].as_array().unwrap().len(), 0);
}

#[test]
fn ask_reads_one_question_per_stdin_line_and_skips_blank_lines() {
    let output = run(&["ask", "--json"], "世界技能大賽獲獎者屬於哪一類人才？\n\nHow long can a visa for a foreign talent team be valid?\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["lang"], "zh-Hant");
    assert!(lines[0]["answer"].as_str().unwrap().contains("A類"));
    assert_eq!(lines[1]["lang"], "en");
    assert!(lines[1]["answer"].as_str().unwrap().contains("2 to 5 years"));
}

#[test]
fn eval_prints_failures_and_totals() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "{\"id\":\"a\",\"question\":\"人才公寓怎么申请？\",\"found\":true,\"expect\":[[\"常态化申请\"]]}\n\
         {\"id\":\"b\",\"question\":\"人才公寓怎么申请？\",\"found\":true,\"expect\":[[\"火星\"]]}\n",
    )
    .unwrap();
    let output = run(&["eval", file.path().to_str().unwrap()], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("FAIL b 人才公寓怎么申请？: answer lacks one of [\"火星\"]"), "{text}");
    assert!(text.trim_end().ends_with("passed 1/2; out-of-scope refused 0/0"), "{text}");
}

#[test]
fn chat_answers_piped_messages_in_order() {
    let output = run(&["chat", "--lang", "en"], "/start\nHow do I apply for a talent apartment?\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let greeting = text.find("Hello!").expect("greeting");
    let answer = text.find("rolling, year-round basis").expect("answer");
    assert!(greeting < answer, "{text}");
}

#[test]
fn check_accepts_the_shipped_corpus() {
    let output = run(&["check"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("21 clauses"), "{}", stdout(&output));
}

#[test]
fn check_names_the_file_and_line_of_a_broken_translation() {
    let corpus = corpus_copy();
    let path = corpus.path().join("zhanjiang-high-skill-talent-policy.en.txt");
    let text = std::fs::read_to_string(&path).unwrap().replace("\n17.8: ", "\n17.99: ");
    std::fs::write(&path, text).unwrap();
    let output = run(&["check", "--corpus", corpus.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("zhanjiang-high-skill-talent-policy.en.txt is not aligned"), "{message}");
    assert!(message.contains("sentence 17.8 has no English line"), "{message}");
    assert!(message.contains("sentence 17.99 is not in the Chinese text"), "{message}");
}

#[test]
fn check_reports_a_glossary_term_the_policy_never_uses() {
    let corpus = corpus_copy();
    let path = corpus.path().join("glossary.toml");
    let text = std::fs::read_to_string(&path).unwrap() + "\"weather\" = [\"天气\"]\n";
    std::fs::write(&path, text).unwrap();
    let output = run(&["check", "--corpus", corpus.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(stderr(&output).contains("glossary.toml: \"weather\" → \"天气\" does not occur in the policy text"), "{}", stderr(&output));
}
