//! Guided application forms: flows defined as data in `dialogs/*.toml`, validated at load, and a
//! pure engine that moves a user through them.

pub mod engine;
pub mod fields;
pub mod flow;
pub mod holidays;
pub mod value;

use serde::Deserialize;

use crate::assets::{AssetError, Assets};
use crate::lang::Bilingual;
use crate::policy::TierTable;
use crate::policy::document::Document;
pub use flow::{Flow, Kind, Step};
use holidays::{Calendar, HOLIDAYS_FILE};

/// File name of the consent text in the dialogs directory.
pub const CONSENT_FILE: &str = "consent.toml";

/// A form definition that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DialogError {
    /// A file is missing or unreadable.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// A file is malformed or refers to something that does not exist.
    #[error("{file}: {}{message}", step.as_ref().map(|s| format!("step `{s}`: ")).unwrap_or_default())]
    Flow { file: String, step: Option<String>, message: String },
}

/// What users agree to before the first piece of personal data (`consent.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Version of the text, stored with each consent.
    pub version: String,
    /// The text.
    pub text: Bilingual,
}

/// All forms.
#[derive(Debug, Clone)]
pub struct Flows {
    flows: Vec<Flow>,
    consent: Consent,
    holidays: Calendar,
}

impl Flows {
    /// Loads and validates every `*.toml` in the dialogs directory (and the consent text and the
    /// holiday calendar).
    pub fn load(assets: &Assets, tiers: &TierTable) -> Result<Self, DialogError> {
        let consent_text = assets.read(CONSENT_FILE)?;
        let consent: Consent = toml::from_str(&consent_text).map_err(|err| DialogError::Flow {
            file: CONSENT_FILE.to_owned(),
            step: None,
            message: err.to_string().trim_end().to_owned(),
        })?;
        let holidays = Calendar::parse(&assets.read(HOLIDAYS_FILE)?).map_err(|message| DialogError::Flow {
            file: HOLIDAYS_FILE.to_owned(),
            step: None,
            message,
        })?;
        let mut flows: Vec<Flow> = Vec::new();
        for name in assets.names("toml")?.into_iter().filter(|name| name != CONSENT_FILE && name != HOLIDAYS_FILE) {
            let flow = Flow::parse(&name, &assets.read(&name)?, tiers)?;
            let error = |message: String| DialogError::Flow { file: name.clone(), step: None, message };
            if name != format!("{}.toml", flow.id) {
                return Err(error(format!("the file of flow {:?} must be named {}.toml", flow.id, flow.id)));
            }
            if let Some(other) = flows.iter().find(|other| other.id == flow.id || other.code == flow.code) {
                return Err(error(format!("id or code repeats flow {:?}", other.id)));
            }
            flows.push(flow);
        }
        for flow in &flows {
            if let Some(next) = &flow.next {
                let target = flows.iter().find(|f| &f.id == next);
                if target.is_none_or(|t| t.tier_from.is_none()) {
                    return Err(DialogError::Flow {
                        file: format!("{}.toml", flow.id),
                        step: None,
                        message: format!("next {next:?} is not a flow with tier_from"),
                    });
                }
            }
        }
        Ok(Self { flows, consent, holidays })
    }

    /// The form with the given id.
    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|flow| flow.id == id)
    }

    /// Every form, in file-name order.
    pub fn iter(&self) -> impl Iterator<Item = &Flow> {
        self.flows.iter()
    }

    /// The consent text.
    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    /// The public holidays, for questions that take working days only.
    pub fn holidays(&self) -> &Calendar {
        &self.holidays
    }

    /// Forms that cite a clause the policy does not have.
    pub fn problems(&self, document: &Document) -> Vec<String> {
        self.flows
            .iter()
            .filter_map(|flow| {
                let clause = flow.clause?;
                document
                    .clause(clause)
                    .is_none()
                    .then(|| format!("{}: clause {clause} does not exist in the policy", flow.id))
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::policy::tests::policy;

    /// The shipped flows, as production loads them.
    pub(crate) fn flows() -> Flows {
        Flows::load(&Assets::dialogs(None), policy().tiers()).expect("the shipped dialogs load")
    }

    #[test]
    fn every_shipped_flow_loads_and_cites_an_existing_clause() {
        let flows = flows();
        let ids: Vec<&str> = flows.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "eligibility",
                "foreign-talent-visa",
                "settlement",
                "talent-apartment",
                "talent-recognition",
                "tax-guidance"
            ]
        );
        assert_eq!(flows.problems(policy().document()), Vec::<String>::new());
        assert_eq!(flows.consent().version, "2026-11-v1");
    }

    fn load_with(name: &str, text: &str) -> DialogError {
        let dir = tempfile::tempdir().unwrap();
        for shipped in [CONSENT_FILE, HOLIDAYS_FILE] {
            std::fs::copy(format!("{}/dialogs/{shipped}", env!("CARGO_MANIFEST_DIR")), dir.path().join(shipped))
                .unwrap();
        }
        std::fs::write(dir.path().join(name), text).unwrap();
        Flows::load(&Assets::dialogs(Some(dir.path())), policy().tiers()).unwrap_err()
    }

    const HEADER: &str = "id = \"demo\"\ncode = \"DEMO\"\ntitle = { zh = \"演示\", en = \"Demo\" }\nintro = { zh = \"说明\", en = \"About\" }\n";

    #[test]
    fn a_missing_translation_names_the_file_and_step() {
        let text = format!("{HEADER}[[step]]\nkey = \"name\"\nkind = \"text\"\nprompt = {{ zh = \"姓名\" }}\n");
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            "demo.toml: step `name`: prompt has no English (en) text"
        );
    }

    #[test]
    fn a_next_form_too_long_for_button_data_is_refused() {
        let text = format!(
            "next = \"{}\"\n{HEADER}[[step]]\nkey = \"name\"\nkind = \"text\"\nprompt = {{ zh = \"姓名\", en = \"Name\" }}\n",
            "x".repeat(25)
        );
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            format!("demo.toml: next \"{}\" must be 1 to 24 lowercase letters, digits and dashes", "x".repeat(25))
        );
    }

    #[test]
    fn a_bad_regex_names_the_file_and_step() {
        let text = format!(
            "{HEADER}[[step]]\nkey = \"code\"\nkind = \"text\"\npattern = \"[a-\"\npattern_hint = {{ zh = \"格式\", en = \"Format\" }}\n\
             prompt = {{ zh = \"代码\", en = \"Code\" }}\n"
        );
        let message = load_with("demo.toml", &text).to_string();
        assert!(message.starts_with("demo.toml: step `code`: bad pattern:"), "{message}");
    }

    #[test]
    fn a_condition_on_a_later_or_unknown_step_is_refused() {
        let text = format!(
            "{HEADER}[[step]]\nkey = \"kids\"\nkind = \"integer\"\nmin = 0\nmax = 9\nwhen = {{ step = \"married\", any_of = [\"yes\"] }}\n\
             prompt = {{ zh = \"子女\", en = \"Children\" }}\n[[step]]\nkey = \"married\"\nkind = \"yes_no\"\nprompt = {{ zh = \"已婚\", en = \"Married\" }}\n"
        );
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            "demo.toml: step `kids`: `when` refers to \"married\", which is not an earlier step"
        );
    }

    #[test]
    fn a_condition_value_must_be_an_answer_of_the_step() {
        let text = format!(
            "{HEADER}[[step]]\nkey = \"married\"\nkind = \"yes_no\"\nprompt = {{ zh = \"已婚\", en = \"Married\" }}\n\
             [[step]]\nkey = \"spouse\"\nkind = \"text\"\nwhen = {{ step = \"married\", any_of = [\"maybe\"] }}\nprompt = {{ zh = \"配偶\", en = \"Spouse\" }}\n"
        );
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            "demo.toml: step `spouse`: `when` value \"maybe\" is not an answer of \"married\" (yes, no)"
        );
    }

    #[test]
    fn settings_that_do_not_fit_the_kind_are_refused() {
        let text = format!(
            "{HEADER}[[step]]\nkey = \"age\"\nkind = \"integer\"\nmin = 1\nmax = 9\npattern = \"x\"\nprompt = {{ zh = \"年龄\", en = \"Age\" }}\n"
        );
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            "demo.toml: step `age`: `pattern` does not apply to a integer step"
        );
        let text = format!(
            "{HEADER}[[step]]\nkey = \"when\"\nkind = \"date\"\nearliest = \"next week\"\nprompt = {{ zh = \"日期\", en = \"Date\" }}\n"
        );
        assert!(load_with("demo.toml", &text).to_string().contains("bad date bound \"next week\""));
        let text = format!(
            "{HEADER}[[step]]\nkey = \"x\"\nkind = \"colour\"\nprompt = {{ zh = \"颜色\", en = \"Colour\" }}\n"
        );
        assert!(load_with("demo.toml", &text).to_string().starts_with("demo.toml: step `x`: unknown kind \"colour\""));
    }

    #[test]
    fn duplicate_keys_and_misnamed_files_are_refused() {
        let step = "[[step]]\nkey = \"a\"\nkind = \"yes_no\"\nprompt = { zh = \"甲\", en = \"A\" }\n";
        let text = format!("{HEADER}{step}{step}");
        assert_eq!(
            load_with("demo.toml", &text).to_string(),
            "demo.toml: step `a`: the key is used by an earlier step"
        );
        let text = format!("{HEADER}{step}");
        assert_eq!(
            load_with("other.toml", &text).to_string(),
            "other.toml: the file of flow \"demo\" must be named demo.toml"
        );
    }

    #[test]
    fn a_broken_holiday_calendar_names_its_file() {
        let message = load_with(
            HOLIDAYS_FILE,
            "[[holiday]]\nname = { zh = \"假\", en = \"Off\" }\noff = \"2026-10-8..2026-10-1\"\n",
        )
        .to_string();
        assert_eq!(message, "holidays.toml: 假: 2026-10-8..2026-10-1 is not a range of 1 to 12 days");
    }

    #[test]
    fn malformed_toml_names_the_file() {
        let message = load_with("demo.toml", "id = ").to_string();
        assert!(message.starts_with("demo.toml: "), "{message}");
    }
}
