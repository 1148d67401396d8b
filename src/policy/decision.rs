//! Whether to answer with the best passage or to say the policy does not cover the question: a
//! logistic model over several features of the match (`decision.toml`), fitted on a tuning set of
//! questions (`policybot-bench calibrate`), instead of one hand-set threshold on one score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PolicyError;
use super::anticipated::Anticipated;
use super::document::Document;
use super::index::PassageIndex;
use super::question::{Question, Weighing};
use super::ranking::Ranking;

/// File name of the decision model in the corpus directory.
pub const DECISION_FILE: &str = "decision.toml";

/// What the decision looks at, each between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// Share of the question's weight the passage covers, unknown words weighing most.
    Coverage,
    /// Share of the weight of the words the policy knows that the passage covers.
    KnownCoverage,
    /// Share of the question's weight in words the policy never uses (context words weigh little).
    UnknownShare,
    /// Share of the weight of the part that asks in words the policy never uses.
    AskedUnknownShare,
    /// How far the passage's fused score is ahead of the next one's.
    Margin,
    /// How much the passage shares with the question in all: the specificity of every concept
    /// it covers, summed (two fully specific concepts count as 1).
    Evidence,
    /// Share of the weight of the part that asks that the passage covers.
    AskedCoverage,
    /// The weight of the heaviest focus word (what a question word asks about: 租金 in 租金多少)
    /// the passage does not cover, against an unknown word's.
    FocusGap,
    /// The question is in English: matched through the glossary and the translation, whose
    /// scores run differently from the Chinese ones.
    English,
    /// How much the question reads like one of the questions the passage is known to answer.
    Likeness,
}

impl Feature {
    /// Every feature, in the order of a feature vector.
    pub const ALL: [Self; 10] = [
        Self::Coverage,
        Self::KnownCoverage,
        Self::UnknownShare,
        Self::AskedUnknownShare,
        Self::Margin,
        Self::Evidence,
        Self::AskedCoverage,
        Self::FocusGap,
        Self::English,
        Self::Likeness,
    ];

    /// The feature's name in `decision.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Coverage => "coverage",
            Self::KnownCoverage => "known_coverage",
            Self::UnknownShare => "unknown_share",
            Self::AskedUnknownShare => "asked_unknown_share",
            Self::Margin => "margin",
            Self::Evidence => "evidence",
            Self::AskedCoverage => "asked_coverage",
            Self::FocusGap => "focus_gap",
            Self::English => "english",
            Self::Likeness => "likeness",
        }
    }
}

/// The features of one question and its best passage, in [`Feature::ALL`] order.
pub type Features = [f32; Feature::ALL.len()];

/// What the decision knows of a question and its best passage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// What the model weighs.
    pub features: Features,
    /// The question asks for a kind of fact (an amount, a phone number) the passage does not state:
    /// a rule rather than a weight, so that the model learns to refuse near misses without it.
    pub unstated: bool,
}

/// The fitted model as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecision {
    /// How the model was made (a comment for people; kept when it is fitted again).
    pub fitted_on: String,
    /// The lowest probability at which the bot answers.
    pub threshold: f32,
    /// The intercept.
    pub bias: f32,
    /// One weight per feature, by name.
    pub weights: BTreeMap<String, f32>,
}

/// The answer-or-refuse decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    threshold: f32,
    bias: f32,
    weights: Features,
}

impl Decision {
    /// Reads `decision.toml`; every feature needs a weight, and no other name may appear.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let raw: RawDecision = toml::from_str(text).map_err(|err| PolicyError::toml(DECISION_FILE, &err))?;
        Self::from_raw(&raw)
    }

    /// The decision a stored model describes.
    pub fn from_raw(raw: &RawDecision) -> Result<Self, PolicyError> {
        let problem = |message: String| PolicyError::Lexicon { file: DECISION_FILE, message };
        if let Some(unknown) = raw.weights.keys().find(|name| Feature::ALL.iter().all(|f| f.name() != *name)) {
            return Err(problem(format!("unknown feature {unknown:?}")));
        }
        let mut weights = [0.0; Feature::ALL.len()];
        for (slot, feature) in weights.iter_mut().zip(Feature::ALL) {
            *slot =
                *raw.weights.get(feature.name()).ok_or_else(|| problem(format!("no weight for {}", feature.name())))?;
        }
        if !(0.0..1.0).contains(&raw.threshold) {
            return Err(problem(format!("threshold {} is not between 0 and 1", raw.threshold)));
        }
        Ok(Self { threshold: raw.threshold, bias: raw.bias, weights })
    }

    /// The probability that the passage answers the question.
    pub fn confidence(&self, features: &Features) -> f32 {
        let z = self.bias + self.weights.iter().zip(features).map(|(w, f)| w * f).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// The lowest confidence at which the bot answers.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Whether to answer.
    pub fn answers(&self, found: &Match) -> bool {
        !found.unstated && self.confidence(&found.features) >= self.threshold
    }
}

/// What the decision knows of the best passage of `ranking` for `question`; `None` when nothing
/// ranked.
pub fn features(
    index: &PassageIndex,
    anticipated: &Anticipated,
    question: &Question<'_>,
    importance: &[f32],
    weighing: &Weighing<'_>,
    ranking: &Ranking,
    document: &Document,
) -> Option<Match> {
    let best = ranking.ranked.first()?;
    let next = ranking.ranked.get(1).map_or(0.0, |next| next.fused);
    let text = &document.passages[best.passage].text;
    let credit = |concept: usize| weighing.credit(index, concept, best.passage);
    let asked_unstated = !question.states_asked_facts(&[text])
        || super::asks::is_about_other_years(&question.years, text)
        || question.members.iter().any(|&member| !question.concepts[member].is_named_in(index, best.passage));
    let evidence =
        (0..question.concepts.len()).filter(|&c| question.concepts[c].is_known(index)).map(credit).sum::<f32>()
            / (2.0 * index.unknown_idf());
    let (mut asked_credit, mut asked_weight, mut focus_gap) = (0.0_f32, 0.0_f32, 0.0_f32);
    for (c, concept) in question.concepts.iter().enumerate().filter(|(_, concept)| concept.asked) {
        let (credit, weight) = (credit(c), importance[c]);
        asked_credit += credit;
        asked_weight += weight;
        if concept.focus {
            focus_gap = focus_gap.max(weight - credit);
        }
    }
    let mut features = [0.0; Feature::ALL.len()];
    for (slot, feature) in features.iter_mut().zip(Feature::ALL) {
        *slot = match feature {
            Feature::Coverage => best.coverage.all,
            Feature::KnownCoverage => best.coverage.known,
            Feature::UnknownShare => question.unknown_share(index, importance, |_| true),
            Feature::AskedUnknownShare => question.unknown_share(index, importance, |concept| concept.asked),
            Feature::Margin => (best.fused - next) / best.fused,
            Feature::Evidence => evidence.min(1.0),
            Feature::AskedCoverage => {
                if asked_weight > 0.0 {
                    asked_credit / asked_weight
                } else {
                    0.0
                }
            }
            Feature::FocusGap => focus_gap / index.unknown_idf(),
            Feature::English => f32::from(u8::from(question.english)),
            Feature::Likeness => anticipated.likeness(question, best.passage),
        };
    }
    Some(Match { features, unstated: asked_unstated })
}

/// One question of a tuning set: the features of its best passage, and whether answering with
/// that passage would be right (an out-of-scope question, or a wrong passage, is a `false`).
/// Questions the rule of unstated facts refuses are no samples: the model learns the others.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The features.
    pub features: Features,
    /// Whether the bot should answer.
    pub answer: bool,
}

/// L2 penalty on the weights: keeps the model smooth on a few hundred questions.
const PENALTY: f32 = 0.01;
/// A wrong answer costs this many refusals of a question the policy answers: a citizen told "the
/// policy does not say" asks staff, one quoted a clause that does not answer is misled.
const WRONG_ANSWER_COST: f32 = 1.5;
/// Gradient descent: step size and number of steps (the problem is small and convex).
const STEP: f32 = 0.5;
const STEPS: usize = 4_000;

/// Fits the model to `samples` by logistic regression, then puts the threshold where the fewest
/// samples are decided wrongly (midway between the neighbouring confidences, so that it does not
/// sit on one question).
pub fn fit(samples: &[Sample], fitted_on: &str) -> RawDecision {
    let n = samples.len().max(1) as f32;
    let mut weights = [0.0_f32; Feature::ALL.len()];
    let mut bias = 0.0_f32;
    for _ in 0..STEPS {
        let mut gradient = [0.0_f32; Feature::ALL.len()];
        let mut gradient_bias = 0.0;
        for sample in samples {
            let z = bias + weights.iter().zip(&sample.features).map(|(w, f)| w * f).sum::<f32>();
            let error = 1.0 / (1.0 + (-z).exp()) - f32::from(u8::from(sample.answer));
            gradient_bias += error;
            for (g, f) in gradient.iter_mut().zip(&sample.features) {
                *g += error * f;
            }
        }
        bias -= STEP * gradient_bias / n;
        for (w, g) in weights.iter_mut().zip(gradient) {
            *w -= STEP * (g / n + PENALTY * *w);
        }
    }
    let model = Decision { threshold: 0.5, bias, weights };
    let mut scored: Vec<(f32, bool)> = samples.iter().map(|s| (model.confidence(&s.features), s.answer)).collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Answering everyone from index i up: the wrong decisions are the `true`s below and the
    // `false`s from i on.
    let mut best = (f32::MAX, 0.5);
    let mut wrong_below = 0;
    let falses_total = scored.iter().filter(|(_, answer)| !answer).count();
    let mut falses_below = 0;
    for i in 0..=scored.len() {
        let wrong = wrong_below as f32 + WRONG_ANSWER_COST * (falses_total - falses_below) as f32;
        let threshold = match (i.checked_sub(1).map(|j| scored[j].0), scored.get(i).map(|s| s.0)) {
            (Some(below), Some(above)) => (below + above) / 2.0,
            (None, Some(above)) => above / 2.0,
            (Some(below), None) => (below + 1.0) / 2.0,
            (None, None) => 0.5,
        };
        if wrong < best.0 {
            best = (wrong, threshold);
        }
        if let Some(&(_, answer)) = scored.get(i) {
            if answer { wrong_below += 1 } else { falses_below += 1 }
        }
    }
    let round = |x: f32| (x * 1000.0).round() / 1000.0;
    RawDecision {
        fitted_on: fitted_on.to_owned(),
        threshold: round(best.1.clamp(0.001, 0.999)),
        bias: round(bias),
        weights: Feature::ALL.iter().zip(weights).map(|(f, w)| (f.name().to_owned(), round(w))).collect(),
    }
}
