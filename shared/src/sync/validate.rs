//! The checks every op passes before any store takes it: content limits and shapes. Scope and
//! authorship need the server's records and are checked there; these need nothing but the op.

use super::op::{Op, Payload, SCHEMA_VERSION};
use crate::concern::ConcernAction;

/// Longest names (head of household, handler …), in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest short texts (address, report title), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest long texts (summary, description, notes), in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most villages a cadre may be linked to.
pub const MAX_CADRE_VILLAGES: usize = 100;
/// The largest op, as JSON, in bytes (a visit with both long texts full of Chinese is ~25 KB).
pub const MAX_OP_BYTES: usize = 64 * 1024;

/// Whether `c` is an invisible formatting character that can make a text show other than it
/// is: the bidirectional controls (which reorder what follows: a name can be made to read
/// backwards, or a device list drawn with a fake row) and the zero-width and other invisible
/// characters (which make two names look alike).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether `c` reorders the text around it (bidirectional embedding, override and isolate
/// controls, and the marks): refused in every text, not only in names.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a name (of a person, a household's head, a unit, a village or a device): not empty
/// unless optional, at most `max` characters, no control and no invisible characters. The
/// refusal names the field.
pub fn check_name(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), OpError> {
    text(field, value, max, required)?;
    if value.chars().any(is_invisible) {
        return Err(OpError::Invalid {
            field,
            reason: "contains invisible or direction characters",
        });
    }
    Ok(())
}

/// Checks a list: at most `max` entries, none twice.
fn list<T: PartialEq>(field: &'static str, values: &[T], max: usize) -> Result<(), OpError> {
    if values.len() > max {
        return Err(OpError::Invalid { field, reason: "has too many entries" });
    }
    if values.iter().enumerate().any(|(i, v)| values[..i].contains(v)) {
        return Err(OpError::Invalid { field, reason: "lists an entry twice" });
    }
    Ok(())
}

/// Why an op was refused. Its [`code`](OpError::code) is stable; the text is for a person.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// The op could not be read at all.
    #[error("malformed op: {0}")]
    Malformed(String),
    /// Written with a schema this server does not know.
    #[error("schema version {0} is not supported (this server speaks 1 to {SCHEMA_VERSION})")]
    UnsupportedSchema(u32),
    /// A required text is empty.
    #[error("{0} must not be empty")]
    Missing(&'static str),
    /// A text is too long.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// A value is out of range or of the wrong shape.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl OpError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            OpError::Malformed(_) => "malformed_op",
            OpError::UnsupportedSchema(_) => "unsupported_schema",
            OpError::Missing(_) => "missing_field",
            OpError::TooLong { .. } => "field_too_long",
            OpError::Invalid { .. } => "invalid_value",
        }
    }
}

impl From<OpError> for crate::permit::Refusal {
    fn from(e: OpError) -> Self {
        crate::permit::Refusal::new(e.code(), e.to_string())
    }
}

fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<(), OpError> {
    if required && value.trim().is_empty() {
        return Err(OpError::Missing(field));
    }
    if value.chars().count() > max {
        return Err(OpError::TooLong { field, max });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(OpError::Invalid { field, reason: "contains control characters" });
    }
    if value.chars().any(is_bidi_control) {
        return Err(OpError::Invalid { field, reason: "contains direction characters" });
    }
    Ok(())
}

fn phone(field: &'static str, value: &str) -> Result<(), OpError> {
    text(field, value, 30, false)?;
    if value.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
        Ok(())
    } else {
        Err(OpError::Invalid { field, reason: "only digits, spaces and + - ( ) are allowed" })
    }
}

/// Checks an op's shape and content.
pub fn validate_op(op: &Op) -> Result<(), OpError> {
    if op.schema_version == 0 || op.schema_version > SCHEMA_VERSION {
        return Err(OpError::UnsupportedSchema(op.schema_version));
    }
    if op.device_seq == 0 {
        return Err(OpError::Invalid { field: "device_seq", reason: "starts at 1" });
    }
    match &op.payload {
        Payload::Unit(u) => check_name("name", &u.name, MAX_SHORT_CHARS, true),
        Payload::Village(v) => check_name("name", &v.name, MAX_SHORT_CHARS, true),
        Payload::Cadre(c) => {
            check_name("name", &c.name, MAX_NAME_CHARS, true)?;
            text("title", &c.title, MAX_SHORT_CHARS, false)?;
            list("villages", &c.villages, MAX_CADRE_VILLAGES)?;
            phone("phone", &c.phone)
        }
        Payload::Household(h) => {
            if let Some(v) = &h.head_name {
                check_name("head_name", v, MAX_NAME_CHARS, true)?;
            }
            if let Some(kinds) = &h.kinds {
                list("kinds", kinds, crate::household::HouseholdKind::ALL.len())?;
            }
            if let Some(v) = &h.address {
                text("address", v, MAX_SHORT_CHARS, false)?;
            }
            if let Some(v) = &h.phone {
                phone("phone", v)?;
            }
            if let Some(v) = &h.notes {
                text("notes", v, MAX_TEXT_CHARS, false)?;
            }
            Ok(())
        }
        Payload::Visit(v) => {
            text("summary", &v.summary, MAX_TEXT_CHARS, false)?;
            text("policies", &v.policies, MAX_TEXT_CHARS, false)?;
            list("topics", &v.topics, crate::visit::Topic::ALL.len())?;
            list("photos", &v.photos, crate::photo::MAX_PER_RECORD)?;
            if let Some(gps) = v.gps {
                let ok = gps.lat.is_finite()
                    && gps.lon.is_finite()
                    && (-90.0..=90.0).contains(&gps.lat)
                    && (-180.0..=180.0).contains(&gps.lon);
                if !ok {
                    return Err(OpError::Invalid { field: "gps", reason: "not a place on Earth" });
                }
            }
            Ok(())
        }
        Payload::VisitAmendment(a) => {
            text("note", &a.note, MAX_TEXT_CHARS, true)?;
            if let Some(summary) = &a.summary {
                text("summary", summary, MAX_TEXT_CHARS, false)?;
            }
            if let Some(policies) = &a.policies {
                text("policies", policies, MAX_TEXT_CHARS, false)?;
            }
            if let Some(topics) = &a.topics {
                list("topics", topics, crate::visit::Topic::ALL.len())?;
            }
            Ok(())
        }
        Payload::Concern(step) => match &step.action {
            ConcernAction::Raise { description, photos, .. } => {
                list("photos", photos, crate::photo::MAX_PER_RECORD)?;
                text("description", description, MAX_TEXT_CHARS, true)
            }
            ConcernAction::ResolveOnSpot { note }
            | ConcernAction::Explain { note }
            | ConcernAction::Complete { note }
            | ConcernAction::Supervise { note, .. } => text("note", note, MAX_TEXT_CHARS, false),
            ConcernAction::Progress { note } => text("note", note, MAX_TEXT_CHARS, true),
            ConcernAction::PutOnLedger { reason, .. } => {
                text("reason", reason, MAX_TEXT_CHARS, false)
            }
            ConcernAction::Void { reason, .. } => text("reason", reason, MAX_TEXT_CHARS, true),
            ConcernAction::Escalate { report } => {
                text("report.title", &report.title, MAX_SHORT_CHARS, true)?;
                text("report.content", &report.content, MAX_TEXT_CHARS, true)
            }
            ConcernAction::Assign { decision } => {
                text("solution", &decision.solution, MAX_TEXT_CHARS, true)?;
                check_name("handler", &decision.handler, MAX_NAME_CHARS, true)?;
                if decision.deadline < decision.meeting_date {
                    return Err(OpError::Invalid {
                        field: "deadline",
                        reason: "is before the meeting",
                    });
                }
                Ok(())
            }
        },
        Payload::MonthlyReport(r) => text("notes", &r.notes, MAX_TEXT_CHARS, false),
    }
}
