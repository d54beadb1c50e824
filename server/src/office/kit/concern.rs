//! What several pages show of a concern: its status badge, a clipped text, and the forms of the
//! office's steps on it — the meeting's decision, 办结, putting it on the ledger, a supervision
//! record. Which forms a page offers is the permission table's answer ([`offered`]).

use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind, Step};
use minqing_shared::ids::ConcernId;
use minqing_shared::org::Unit;
use minqing_shared::permit::{self, Access, Action, Phase};
use minqing_shared::sync::merge::ConcernState;
use minqing_shared::sync::op::Payload;

use super::act::{self, Failed};
use super::error::OfficeError;
use super::form::{FieldErrors, FormData};
use super::session::OfficeUser;
use crate::state::AppState;

/// A concern's status as a coloured badge.
pub fn status_badge(st: Option<ConcernStatus>) -> Markup {
    let Some(st) = st else { return html! { span.badge { "—" } } };
    let class = match st {
        ConcernStatus::Overdue => "badge bad",
        ConcernStatus::Escalated | ConcernStatus::Raised => "badge warn",
        s if s.is_closed() => "badge ok",
        _ => "badge",
    };
    html! { span class=(class) { (st.zh()) } }
}

/// The first `n` characters of a text.
pub fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(n).collect::<String>())
    }
}

/// The name of the responsible unit `id` among `units` ("" when none is named or known).
pub fn unit_name(units: &[Unit], id: Option<minqing_shared::ids::UnitId>) -> &str {
    id.and_then(|id| units.iter().find(|u| u.id == id)).map_or("", |u| u.name.as_str())
}

/// Parses a concern id from the path.
pub fn concern_id(id: &str) -> Result<ConcernId, OfficeError> {
    id.parse().map_err(|_| OfficeError::not_found("民情诉求不存在"))
}

/// Where to go after a form: a path of the office pages (else the concern itself).
pub fn back(to: &str, id: ConcernId) -> String {
    if to.starts_with("/office") && !to.starts_with("//") {
        to.to_owned()
    } else {
        format!("/office/concerns/{id}")
    }
}

/// The steps `user`, reaching `c` with `access`, may take on it now, as the permission table
/// says.
pub fn offered(user: &OfficeUser, c: &ConcernState, access: Access) -> Vec<Action> {
    let class = permit::Class::of(user.cadre.role);
    permit::offered_on_concern(class, Phase::of_concern(c.status), c.on_ledger(), access)
}

/// Records one step on a concern, by the office, as an op (checked like a phone's). A
/// supervision record on a concern merged into a ledger item 合并督办 is recorded on every open
/// member of the item, in the same transaction: each member's cadre sees it.
pub async fn step(
    state: &AppState,
    user: &OfficeUser,
    id: ConcernId,
    action: ConcernAction,
) -> Result<(), Failed> {
    let (author, scope) = (act::author(user, state), user.scope());
    act::write(state, move |tx, state| {
        let mut targets = vec![id];
        if matches!(action, ConcernAction::Supervise { .. }) {
            if let Some(item) = tx.concern(id)?.and_then(|c| c.ledger_item()) {
                let members = tx.ledger_concerns(scope)?.into_iter().map(|r| r.concern);
                targets.extend(
                    members
                        .filter(|c| c.id != id && c.ledger_item() == Some(item) && c.ledger_open())
                        .map(|c| c.id),
                );
            }
        }
        for target in &targets {
            let step = Step { actor: author.cadre_id, at: state.now(), action: action.clone() };
            act::act(tx, state, &author, target.0, Payload::Concern(step))?;
        }
        Ok(())
    })
    .await
}

/// What was entered in one of a concern's forms, re-shown with its errors.
#[derive(Debug, Default)]
pub struct Entered {
    /// Which form: `decide`, `complete`, `progress`, `ledger` or `supervise` ("" for none).
    pub which: &'static str,
    /// The values entered.
    pub form: FormData,
    /// What is wrong with them.
    pub errors: FieldErrors,
}

impl Entered {
    /// The values and errors for form `which` (empty for the others).
    pub fn of(&self, which: &str) -> (FormData, FieldErrors) {
        if self.which == which {
            (self.form.clone(), self.errors.clone())
        } else {
            Default::default()
        }
    }
}

/// The joint meeting's decision form (交办: solution, responsible unit and person, deadline);
/// `units` are those the meeting may name ([`minqing_shared::desk::may_be_assigned`]), the
/// deciding office's own first chosen.
pub fn decision_form(
    user: &OfficeUser,
    id: ConcernId,
    month: Option<minqing_shared::calendar::YearMonth>,
    back: &str,
    units: &[Unit],
    (f, e): (&FormData, &FieldErrors),
) -> Markup {
    let chosen = match f.get("unit") {
        "" => user.unit.id.to_string(),
        u => u.to_owned(),
    };
    html! {
        form method="post" action=(format!("/office/concerns/{id}/decide")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            @if let Some(m) = month { input type="hidden" name="month" value=(m.to_string()); }
            div.decide {
                div { textarea name="solution" placeholder="解决办法" aria-label="解决办法" { (f.get("solution")) } (e.show("solution")) }
                div {
                    select name="unit" aria-label="承办单位" {
                        @for u in units { option value=(u.id) selected[chosen == u.id.to_string()] { (u.name) } }
                    }
                    (e.show("unit"))
                }
                div { input name="handler" placeholder="承办人" aria-label="承办人" size="10" value=(f.get("handler")); (e.show("handler")) }
                div { input name="deadline" type="date" aria-label="完成时限" value=(f.get("deadline")); (e.show("deadline")) }
                div { button.primary type="submit" { "保存决定" } }
            }
        }
    }
}

/// The 办结 form.
pub fn complete_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/complete")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            div { "办结情况 " (e.show("note")) }
            textarea name="note" placeholder="如：新井已打成，群众吃上自来水" { (f.get("note")) }
            button.primary type="submit" { "办结" }
        }
    }
}

/// The responsible unit's progress form 报告进展.
pub fn progress_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    let field = LineField {
        name: "note", label: "进展情况", hint: "本周进展，如：施工队已进场"
    };
    line_form(user, &format!("/office/concerns/{id}/progress"), back, field, "报告进展", (f, e))
}

/// The form that puts a concern on the supervision ledger.
pub fn put_on_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    let field =
        LineField {
            name: "reason", label: "挂账原因", hint: "挂账原因，如：涉及40户群众饮水"
        };
    line_form(user, &format!("/office/concerns/{id}/ledger"), back, field, "挂账督办", (f, e))
}

/// The one text field of a [`line_form`].
struct LineField {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
}

/// A step's form of one line of text and its button, posting to `action`.
fn line_form(
    user: &OfficeUser,
    action: &str,
    back: &str,
    field: LineField,
    button: &str,
    (f, e): (&FormData, &FieldErrors),
) -> Markup {
    html! {
        form method="post" action=(action) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            input name=(field.name) size="40" placeholder=(field.hint) aria-label=(field.label) value=(f.get(field.name));
            (e.show(field.name)) " "
            button.primary type="submit" { (button) }
        }
    }
}

/// The form that records an inquiry, check or dispatch.
pub fn supervise_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/supervise")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            select name="kind" aria-label="督办环节" {
                @for k in LedgerKind::ALL { option value=(k.code()) selected[f.get("kind") == k.code()] { (k.zh()) } }
            }
            (e.show("kind")) " "
            input name="note" size="36" placeholder="询问/检查/调度情况" aria-label="督办情况" value=(f.get("note"));
            (e.show("note")) " "
            button.primary type="submit" { "记录" }
        }
    }
}
