//! What several pages show of a concern: its status badge, a clipped text, and the forms of the
//! office's steps on it — the meeting's decision, 办结, putting it on the ledger, a supervision
//! record. Which forms a page offers is the permission table's answer ([`offered`]).

use maud::{Markup, html};
use minqing_shared::Label;
use minqing_shared::concern::{ConcernAction, ConcernStatus, LedgerKind, Step};
use minqing_shared::ids::ConcernId;
use minqing_shared::permit::{self, Action, Phase, Record};
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

/// The steps `user` may take on `c` now, as the permission table says.
pub fn offered(user: &OfficeUser, c: &ConcernState) -> Vec<Action> {
    let class = permit::Class::of(user.cadre.role);
    permit::offered(class, Record::Concern, Phase::of_concern(c.status), c.on_ledger())
}

/// Records one step on a concern, by the office, as an op (checked like a phone's).
pub async fn step(
    state: &AppState,
    user: &OfficeUser,
    id: ConcernId,
    action: ConcernAction,
) -> Result<(), Failed> {
    let author = act::author(user, state);
    act::write(state, move |tx, state| {
        let step = Step { actor: author.cadre_id, at: state.now(), action: action.clone() };
        act::act(tx, state, &author, id.0, Payload::Concern(step))
    })
    .await
}

/// What was entered in one of a concern's forms, re-shown with its errors.
#[derive(Debug, Default)]
pub struct Entered {
    /// Which form: `decide`, `complete`, `ledger` or `supervise` ("" for none).
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

/// The joint meeting's decision form (交办: solution, person responsible, deadline).
pub fn decision_form(
    user: &OfficeUser,
    id: ConcernId,
    month: Option<minqing_shared::calendar::YearMonth>,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/decide")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            @if let Some(m) = month { input type="hidden" name="month" value=(m.to_string()); }
            div.decide {
                div { textarea name="solution" placeholder="解决办法" aria-label="解决办法" { (f.get("solution")) } (e.show("solution")) }
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

/// The form that puts a concern on the supervision ledger.
pub fn put_on_form(
    user: &OfficeUser,
    id: ConcernId,
    back: &str,
    f: &FormData,
    e: &FieldErrors,
) -> Markup {
    html! {
        form method="post" action=(format!("/office/concerns/{id}/ledger")) {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            input name="reason" size="40" placeholder="挂账原因，如：涉及40户群众饮水" aria-label="挂账原因" value=(f.get("reason"));
            (e.show("reason")) " "
            button.primary type="submit" { "挂账督办" }
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
