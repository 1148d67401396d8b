//! The engine's messages that are put together from several: which file types a step takes, and
//! the eligibility result with what the next tier would take.

use super::Engine;
use crate::dialog::flow::FileType;
use crate::lang::Bilingual;
use crate::messages::{Arg, arg, keys};
use crate::policy::{Tier, TierItem, numeral};

impl Engine<'_> {
    /// A file of a type the step does not take: the types it does.
    pub(super) fn wrong_file_type(&self, accept: &[FileType]) -> Bilingual {
        let names: Vec<Bilingual> = accept
            .iter()
            .map(|kind| {
                self.phrase(if *kind == FileType::Image { keys::FILE_TYPE_IMAGE } else { keys::FILE_TYPE_PDF }, &[])
            })
            .collect();
        let or = self.phrase(keys::FILE_TYPE_OR, &[]);
        let types = Bilingual::new(
            names.iter().map(|name| name.zh.as_str()).collect::<Vec<_>>().join(&or.zh),
            names.iter().map(|name| name.en.as_str()).collect::<Vec<_>>().join(&or.en),
        );
        self.phrase(keys::WRONG_FILE_TYPE, &[arg("types", types)])
    }

    /// The tier the answers give (through `item`), what the tier `above` it would take, and how
    /// to apply.
    pub(super) fn eligible(&self, tier: &Tier, item: &TierItem, above: Option<&Tier>) -> Bilingual {
        let tiers = self.ctx.tiers;
        let clause = Arg::Each(numeral::format(tiers.clause).into(), tiers.clause.to_string().into());
        let result = self.phrase(
            keys::ELIGIBLE,
            &[
                arg("item", Bilingual::new(&item.zh, &item.en)),
                arg("scheme", &tiers.scheme),
                arg("tier", &tier.id),
                ("clause", clause),
                arg("benefits", &tiers.benefits),
            ],
        );
        let next = match above {
            Some(above) => {
                self.phrase(keys::NEXT_TIER, &[arg("tier", &above.id), arg("items", item_names(&above.items))])
            }
            None => self.phrase(keys::HIGHEST_TIER, &[]),
        };
        let hint = self.phrase(keys::APPLY_HINT, &[]);
        Bilingual::new(
            format!("{}\n{}\n{}", result.zh, next.zh, hint.zh),
            format!("{}\n{}\n{}", result.en, next.en, hint.en),
        )
    }

    /// No tier: what the lowest would take.
    pub(super) fn not_eligible(&self) -> Bilingual {
        let tiers = self.ctx.tiers;
        let lowest = tiers.tiers.last();
        let items = lowest.map(|tier| item_names(&tier.items)).unwrap_or_else(|| Bilingual::new("", ""));
        let id = lowest.map(|tier| tier.id.as_str()).unwrap_or_default();
        self.phrase(keys::NOT_ELIGIBLE, &[arg("scheme", &tiers.scheme), arg("tier", id), arg("items", items)])
    }

    /// The tier the answers give, for the summary.
    pub(super) fn computed_tier(&self, tier: &Tier) -> Bilingual {
        self.phrase(keys::COMPUTED_TIER, &[arg("scheme", &self.ctx.tiers.scheme), arg("tier", &tier.id)])
    }
}

/// The names of `items`, listed in each language.
fn item_names(items: &[TierItem]) -> Bilingual {
    Bilingual::new(
        items.iter().map(|item| item.zh.as_str()).collect::<Vec<_>>().join("、"),
        items.iter().map(|item| item.en.as_str()).collect::<Vec<_>>().join("; "),
    )
}
