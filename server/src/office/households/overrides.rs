//! `POST /office/households/override` 联系安排提示 — the seed's assignment rules as warnings
//! (`minqing_shared::rules`), each of which an office may accept with a reason (real villages do
//! not always fit the rules); accepted ones stay listed with their reason.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use minqing_shared::Lang;
use minqing_shared::ids::CadreId;
use minqing_shared::org::{Cadre, Village};
use minqing_shared::rules::{HouseholdCounts, Roster, Warning, check_assignments};
use minqing_shared::scope::Scope;
use uuid::Uuid;

use super::{Filter, render};
use crate::office::kit::act::{self, Failed};
use crate::office::kit::form::FieldErrors;
use crate::office::kit::session::{OfficeUser, Post};
use crate::state::AppState;
use crate::store::{AssignmentOverride, StoreResult, Tx};

/// Overrides by rule and subject.
pub type Overrides = BTreeMap<(String, Uuid), AssignmentOverride>;

/// Warnings shown at most.
const ROWS: usize = 60;

/// The seed's assignment rules over `scope`'s roster (its units with field cadres, its
/// `villages` and `field` cadres, its households' counts), and the counts.
pub fn warnings(
    tx: &mut Tx<'_>,
    scope: Scope,
    villages: &[(Village, String)],
    field: &[Cadre],
) -> StoreResult<(Vec<Warning>, HouseholdCounts)> {
    let units: Vec<_> = tx
        .scope_units(scope)?
        .into_iter()
        .filter(|u| field.iter().any(|c| c.unit_id == u.id))
        .collect();
    let villages: Vec<Village> = villages.iter().map(|(v, _)| v.clone()).collect();
    let counts = tx.household_counts(scope)?;
    let roster = Roster { units: &units, villages: &villages, cadres: field, households: &counts };
    Ok((check_assignments(roster), counts))
}

/// The warnings table, with a reason form for each one not yet accepted (`names`: the accepting
/// accounts' names).
pub fn section(
    user: &OfficeUser,
    warnings: &[Warning],
    overrides: &Overrides,
    names: &BTreeMap<CadreId, String>,
) -> Markup {
    let accepted = |w: &Warning| overrides.get(&(w.code().to_owned(), w.subject()));
    let open = warnings.iter().filter(|w| accepted(w).is_none()).count();
    html! {
        @if !warnings.is_empty() {
            h2 id="warnings" { "联系安排提示（" (open) "条待说明，" (warnings.len() - open) "条已说明）" }
            table.small {
                tr { th { "提示" } th { "说明" } }
                @for w in warnings.iter().take(ROWS) {
                    tr class=@if accepted(w).is_none() { "warn" } {
                        td { (w.message(Lang::Zh)) }
                        td {
                            @if let Some(o) = accepted(w) {
                                (o.reason) span.muted { "（" (names.get(&o.author).map_or("—", String::as_str)) "）" }
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
pub(crate) async fn post(State(state): State<AppState>, Post(user, form): Post) -> Response {
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
    let (scope, author) = (user.scope(), user.cadre.id);
    let stored = act::write(&state, move |tx, state| {
        let (villages, field) = (tx.scope_villages(scope)?, tx.field_cadres(scope)?);
        let (found, _) = warnings(tx, scope, &villages, &field)?;
        let found =
            found.into_iter().find(|w| w.code() == code && w.subject().to_string() == subject);
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
        let id = format!("{}:{}", o.code, o.subject);
        crate::audit::office_change(tx, author, "assignment_override", id, state.now_ms())?;
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
