//! The review status of an application and which changes staff may make.

use std::fmt;
use std::str::FromStr;

use crate::lang::Bilingual;

/// Where an application is in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Filed, not yet opened by staff (待受理).
    Submitted,
    /// Opened by staff, or corrected by the applicant (审核中).
    InReview,
    /// Staff asked the applicant to correct or add information (待补正).
    NeedInfo,
    /// Approved (已通过).
    Approved,
    /// Rejected, with a reason (已驳回).
    Rejected,
}

/// A status name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?} (submitted, in_review, need_info, approved, rejected)")]
pub struct UnknownStatus(pub String);

impl Status {
    /// Every status, in review order.
    pub const ALL: [Status; 5] = [Self::Submitted, Self::InReview, Self::NeedInfo, Self::Approved, Self::Rejected];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::NeedInfo => "need_info",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// The name applicants and staff read.
    pub fn label(self) -> Bilingual {
        match self {
            Self::Submitted => Bilingual::new("待受理", "submitted"),
            Self::InReview => Bilingual::new("审核中", "in review"),
            Self::NeedInfo => Bilingual::new("待补正", "more information needed"),
            Self::Approved => Bilingual::new("已通过", "approved"),
            Self::Rejected => Bilingual::new("已驳回", "rejected"),
        }
    }

    /// Whether review is over.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Approved | Self::Rejected)
    }

    /// Whether an application may go from this status to `to`: staff open, decide or ask for
    /// information while review is open; the applicant's correction puts it back in review;
    /// a decision is final.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Submitted, InReview)
                | (Submitted | InReview, NeedInfo | Approved | Rejected)
                | (NeedInfo, InReview | Approved | Rejected | NeedInfo)
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text.trim())
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert_eq!("pending".parse::<Status>(), Err(UnknownStatus("pending".into())));
    }

    #[test]
    fn decisions_are_final() {
        for to in Status::ALL {
            assert!(!Status::Approved.can_become(to));
            assert!(!Status::Rejected.can_become(to));
        }
    }

    #[test]
    fn open_applications_can_be_decided_or_sent_back() {
        assert!(Status::Submitted.can_become(Status::Approved));
        assert!(Status::InReview.can_become(Status::NeedInfo));
        assert!(Status::NeedInfo.can_become(Status::InReview));
        assert!(!Status::InReview.can_become(Status::Submitted));
        assert!(!Status::Submitted.can_become(Status::Submitted));
    }
}
