//! 联系安排提示 — the seed's assignment rules as warnings (`minqing_shared::rules`), each of which
//! an office may accept with a reason (real villages do not always fit the rules); accepted ones
//! stay listed with their reason.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Lang;
use minqing_shared::rules::Warning;
use uuid::Uuid;

use super::act::{self, Failed};
use super::form::FieldErrors;
use super::households::{Filter, render};
use super::scope::Scoped;
use super::session::{OfficeUser, Post};
use crate::state::AppState;
use crate::store::AssignmentOverride;

/// Overrides by rule and subject.
pub type Overrides = BTreeMap<(String, Uuid), AssignmentOverride>;

/// Warnings shown at most.
const ROWS: usize = 60;

/// The warnings table, with a reason form for each one not yet accepted.
pub fn section(
    user: &OfficeUser,
    s: &Scoped,
    warnings: &[Warning],
    overrides: &Overrides,
) -> Markup {
    let accepted = |w: &Warning| overrides.get(&(w.code().to_owned(), w.subject()));
    let open = warnings.iter().filter(|w| accepted(w).is_none()).count();
    html! {
        @if !warnings.is_empty() {
            h2 { "联系安排提示（" (open) "条待说明，" (warnings.len() - open) "条已说明）" }
            table.small {
                tr { th { "提示" } th { "说明" } }
                @for w in warnings.iter().take(ROWS) {
                    tr class=@if accepted(w).is_none() { "warn" } {
                        td { (w.message(Lang::Zh)) }
                        td {
                            @if let Some(o) = accepted(w) {
                                (o.reason) span.muted { "（" (s.cadre_name(Some(o.author))) "）" }
                            } @else {
                                form.inline method="post" action="/office/households/override" {
                                    (user.csrf_field())
                                    input type="hidden" name="code" value=(w.code());
                                    input type="hidden" name="subject" value=(w.subject());
                                    input name="reason" size="30" placeholder="保留现安排的理由" aria-label="理由";
                                    " " button type="submit" { "说明" }
                                }
                            }
                        }
                    }
                }
            }
            @if warnings.len() > ROWS { p.muted { "仅列出前" (ROWS) "条。" } }
        }
    }
}

/// `POST /office/households/override`: accepts a warning with a reason.
pub(super) async fn accept(State(state): State<AppState>, Post(user, form): Post) -> Response {
    let mut errors = FieldErrors::default();
    errors.text("reason", form.get("reason"), 200, true);
    if let Some(e) = errors.on("reason").map(|e| format!("理由{e}")) {
        errors.form = Some(e);
    }
    let (code, subject, reason) = (
        form.get("code").to_owned(),
        form.get("subject").to_owned(),
        form.get("reason").to_owned(),
    );
    let u = user.clone();
    let author = user.cadre.id;
    let stored = act::write(&state, move |tx, state| {
        let s = Scoped::load(tx, &u)?;
        let found = s
            .warnings()
            .into_iter()
            .find(|w| w.code() == code && w.subject().to_string() == subject);
        let Some(w) = found else { return Err(Failed::Refused("该提示已不存在".into())) };
        if !errors.is_empty() {
            return Ok(Err(errors.clone()));
        }
        let o = AssignmentOverride {
            code: w.code().to_owned(),
            subject: w.subject(),
            reason: reason.clone(),
            author,
            created_ms: state.now_ms(),
        };
        tx.put_assignment_override(&o)?;
        Ok(Ok(()))
    })
    .await;
    match stored {
        Ok(Ok(())) => Redirect::to("/office/households").into_response(),
        Ok(Err(errors)) => render(user, state, Filter::default(), errors).await,
        Err(Failed::Refused(msg)) => {
            let mut errors = FieldErrors::default();
            errors.form = Some(msg);
            render(user, state, Filter::default(), errors).await
        }
        Err(Failed::Error(e)) => e.into_response(),
    }
}
