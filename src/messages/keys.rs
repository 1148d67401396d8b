//! Every message the bot says in its own words: its key in `messages.toml` and the placeholders
//! the code fills in it. One table, so that the catalog is checked against exactly what the code
//! uses.

/// A message of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Its name in `messages.toml` (`form.cancelled` is the table `[form.cancelled]`).
    pub name: &'static str,
    /// The placeholders the code fills in it (besides the corpus facts every message may use).
    pub slots: &'static [&'static str],
}

/// Declares each key as a constant, and [`ALL`] listing them.
macro_rules! keys {
    ($($(#[$doc:meta])* $constant:ident = $name:literal $([$($slot:ident),*])?;)*) => {
        $(
            $(#[$doc])*
            pub const $constant: Key = Key { name: $name, slots: &[$($(stringify!($slot)),*)?] };
        )*
        /// Every message.
        pub const ALL: &[Key] = &[$($constant),*];
    };
}

keys! {
    /// The greeting for /start.
    WELCOME = "welcome";
    /// The policy does not cover the question.
    NOT_COVERED = "not_covered";
    /// Nothing readable was sent.
    EMPTY = "empty";
    /// A question longer than the bot reads.
    TOO_LONG = "too_long" [max];
    /// Only symbols or emoji.
    NO_WORDS = "no_words";
    /// Something broke on our side.
    INTERNAL = "internal";
    /// A file could not be fetched from the channel.
    FILE_NOT_RECEIVED = "file_not_received";
    /// Over the rate limit.
    SLOW_DOWN = "slow_down";

    /// Replies to small talk.
    SMALLTALK_THANKS = "smalltalk.thanks";
    SMALLTALK_ACKNOWLEDGEMENT = "smalltalk.acknowledgement";
    /// {city}: the city's name.
    SMALLTALK_GOODBYE = "smalltalk.goodbye" [city];
    SMALLTALK_IDENTITY = "smalltalk.identity" [city];
    SMALLTALK_CAPABILITIES = "smalltalk.capabilities";
    SMALLTALK_HANDOVER = "smalltalk.handover";

    MENU_INTRO = "menu.intro";
    MENU_ASK = "menu.ask";
    MENU_ELIGIBILITY = "menu.eligibility";
    MENU_APPLY = "menu.apply";
    MENU_STATUS = "menu.status";
    ASK_PROMPT = "menu.ask_prompt";
    CHOOSE_FORM = "menu.choose_form";
    APPLY_BUTTON = "menu.apply_button" [title];
    STALE_BUTTON = "menu.stale_button";
    CHOOSE_LANG = "lang.choose";
    LANG_SET = "lang.set";

    HELP_TITLE = "help.title";
    HELP_IN_FORM = "help.in_form";
    STAFF_HELP_TITLE = "help.staff_title";
    COMMAND_START = "command.start";
    COMMAND_HELP = "command.help";
    COMMAND_ASK = "command.ask";
    COMMAND_ASK_ARGUMENT = "command.ask.argument";
    COMMAND_APPLY = "command.apply";
    COMMAND_ELIGIBILITY = "command.eligibility";
    COMMAND_STATUS = "command.status";
    COMMAND_CANCEL = "command.cancel";
    COMMAND_LANG = "command.lang";
    COMMAND_MYDATA = "command.mydata";
    COMMAND_FORGET = "command.forget";
    COMMAND_PENDING = "command.pending";
    COMMAND_PENDING_ARGUMENT = "command.pending.argument";
    COMMAND_SHOW = "command.show";
    COMMAND_SHOW_ARGUMENT = "command.show.argument";
    COMMAND_APPROVE = "command.approve";
    COMMAND_APPROVE_ARGUMENT = "command.approve.argument";
    COMMAND_REJECT = "command.reject";
    COMMAND_REJECT_ARGUMENT = "command.reject.argument";
    COMMAND_NEEDINFO = "command.needinfo";
    COMMAND_NEEDINFO_ARGUMENT = "command.needinfo.argument";
    COMMAND_EXPORT = "command.export";
    COMMAND_EXPORT_ARGUMENT = "command.export.argument";

    FORM_IN_PROGRESS = "form.in_progress" [title];
    FILED = "form.filed" [reference, title];
    NOTHING_TO_CANCEL = "form.nothing_to_cancel";
    FILES_ONLY_IN_FORMS = "form.files_only_in_forms";
    NOTHING_TO_CORRECT = "form.nothing_to_correct";
    HOW_TO = "form.how_to";
    AMEND_INTRO = "form.amend_intro" [reference];
    AMEND_SENT = "form.amend_sent" [reference];
    UNKNOWN_COMMAND = "form.unknown_command";
    SUMMARY_HINT = "form.summary_hint";
    NO_HELP = "form.no_help";
    REQUIRED = "form.required";
    WRONG_FILE_TYPE = "form.wrong_file_type" [types];
    FILE_TYPE_IMAGE = "form.wrong_file_type.image";
    FILE_TYPE_PDF = "form.wrong_file_type.pdf";
    FILE_TYPE_OR = "form.wrong_file_type.or";
    FILE_TOO_LARGE = "form.file_too_large" [mb];
    FILE_NOT_EXPECTED = "form.file_not_expected";
    FILE_EXPECTED = "form.file_expected";
    ANSWER_TOO_LONG = "form.too_long" [max];
    CHOOSE_AT_LEAST = "form.choose_at_least" [min];
    NONE_WITH_OTHERS = "form.none_with_others";
    YES_OR_NO = "form.yes_or_no";
    PICK_AN_OPTION = "form.pick_an_option" [count];
    PICK_OPTIONS = "form.pick_options" [count];
    CONSENT_DECLINED = "form.consent_declined";
    CANCELLED = "form.cancelled" [title];
    AT_FIRST_STEP = "form.at_first_step";
    NO_SUCH_FIELD = "form.no_such_field" [count];
    CURRENT = "form.current" [value];
    MAY_SKIP = "form.may_skip";
    MULTI_CHOICE_HINT = "form.multi_choice_hint";
    DONE = "form.done";
    SUMMARY_TITLE = "form.summary_title" [title];
    EDIT_FIELD = "form.edit_field" [number, label];
    CONFIRM = "form.confirm";
    CANCEL = "form.cancel";
    AGREE = "form.agree";
    DISAGREE = "form.disagree";

    APPLY_NOW = "eligibility.apply_now";
    ELIGIBLE = "eligibility.eligible" [item, scheme, tier, clause, benefits];
    NEXT_TIER = "eligibility.next_tier" [tier, items];
    HIGHEST_TIER = "eligibility.highest";
    APPLY_HINT = "eligibility.apply_hint";
    NOT_ELIGIBLE = "eligibility.not_eligible" [scheme, tier, items];
    COMPUTED_TIER = "eligibility.tier" [scheme, tier];

    NO_APPLICATIONS = "status.none";
    STATUS_TITLE = "status.title";
    CORRECTION_REQUESTED = "status.correction_requested" [fields, note];
    CORRECT_BUTTON = "status.correct_button" [reference];

    FORGET_CONFIRM = "privacy.forget_confirm";
    FORGET_BUTTON = "privacy.forget_button";
    KEEP_BUTTON = "privacy.keep_button";
    FORGOTTEN = "privacy.forgotten";
    KEPT = "privacy.kept";
    MY_DATA_TITLE = "privacy.my_data_title";

    STAFF_ONLY = "staff.only";
    FULL_DATA_HERE_ONLY = "staff.full_data_here_only";
    ASK_REASON = "staff.ask_reason" [reference];
    NO_APPLICATION = "staff.not_found" [reference];
    FIELDS = "staff.fields" [reference, lead, list];
    FIELDS_UNKNOWN = "staff.fields.unknown" [field];
    FIELDS_INCOMPLETE = "staff.fields.incomplete";
    FIELDS_ASK = "staff.fields.ask";
    DECIDED = "staff.decided" [reference, status, actor];
    REFUSED = "staff.refused" [reason];
    PENDING = "staff.pending" [count];
    PENDING_MORE = "staff.pending.more" [count];
    EXPORTED = "staff.exported" [count];

    NEW_APPLICATION = "notify.filed" [reference];
    NEW_APPLICATION_FORM = "notify.filed.form" [title, time];
    NEW_APPLICATION_TIER = "notify.filed.tier" [tier];
    CORRECTED = "notify.corrected" [reference];
    CORRECTED_FORM = "notify.corrected.form" [title];
    SHOW_IN_FULL = "notify.show" [reference];
    APPROVE_BUTTON = "notify.button.approve";
    NEED_INFO_BUTTON = "notify.button.need_info";
    REJECT_BUTTON = "notify.button.reject";
    IN_REVIEW = "notify.status.in_review" [reference, title];
    APPROVED = "notify.status.approved" [reference, title, note];
    REJECTED = "notify.status.rejected" [reference, title, note];
    NEEDS_INFO = "notify.status.need_info" [reference, title, fields, note];
    CORRECT_NOW = "notify.status.correct_now";
}
