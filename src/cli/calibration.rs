//! `policybot calibrate`: fits the answer-or-refuse decision to tuning question files.

use std::path::PathBuf;

use anyhow::Context;

use crate::eval;
use crate::policy::Policy;
use crate::policy::decision::{self, Decision, Feature, Sample};

pub(super) fn calibrate(policy: &Policy, out: Option<PathBuf>, show: bool, files: &[PathBuf]) -> anyhow::Result<()> {
    let mut samples = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let items = eval::parse_items(&text).with_context(|| format!("{}", file.display()))?;
        samples.extend(eval::samples(policy, &items)?);
    }
    let names: Vec<String> =
        files.iter().filter_map(|f| f.file_name()).map(|f| f.to_string_lossy().into_owned()).collect();
    let only: Vec<_> = samples.iter().map(|(_, sample)| sample.clone()).collect();
    let raw = decision::fit(&only, &format!("{} questions of {}", only.len(), names.join(", ")));
    let model = Decision::from_raw(&raw)?;
    if show {
        let header: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        println!("id\tanswer\tconfidence\t{}", header.join("\t"));
        for (id, sample) in &samples {
            let values: Vec<String> = sample.features.iter().map(|v| format!("{v:.3}")).collect();
            println!("{id}\t{}\t{:.3}\t{}", sample.answer, model.confidence(&sample.features), values.join("\t"));
        }
    }
    let decided = |answer: bool| only.iter().filter(move |s| s.answer == answer);
    let answers = |sample: &&Sample| model.confidence(&sample.features) >= model.threshold();
    let right = decided(true).filter(answers).count();
    let wrong = decided(false).filter(answers).count();
    eprintln!(
        "{} samples: answers {right} of {} that should be answered, and {wrong} of {} that should not",
        only.len(),
        decided(true).count(),
        decided(false).count()
    );
    let toml = toml::to_string(&raw)?;
    match out {
        Some(path) => {
            let header = std::fs::read_to_string(&path).unwrap_or_default();
            let comments: String =
                header.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
            std::fs::write(&path, format!("{comments}{toml}"))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("written to {}", path.display());
        }
        None => print!("{toml}"),
    }
    Ok(())
}
