//! Office actions as ops of the server's device, in one write transaction: either every action
//! of a form is stored, or (on a refusal) none is.

use minqing_shared::sync::op::Payload;
use uuid::Uuid;

use crate::office::kit::error::OfficeError;
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::{StoreError, Tx};
use crate::sync::{Author, Refusal};

/// Why a form's actions were not stored.
#[derive(Debug)]
pub enum Failed {
    /// The sync rules refused an action: shown on the form.
    Refused(String),
    /// Something broke: an error page.
    Error(OfficeError),
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Self {
        Failed::Error(e.into())
    }
}

impl From<OfficeError> for Failed {
    fn from(e: OfficeError) -> Self {
        Failed::Error(e)
    }
}

/// A refusal for a person, in Chinese.
pub fn refusal_text(r: &Refusal) -> String {
    let zh = match r.code {
        "illegal_transition" => "当前状态不允许此操作",
        "out_of_scope" => "不在本单位管辖范围内",
        "not_allowed" => "无权进行此操作",
        "unknown_household" => "联系户不存在",
        "unknown_concern" => "民情诉求不存在",
        "unknown_village" => "村不存在",
        "unknown_cadre" => "干部不存在",
        "missing_field" => "缺少必填项",
        "field_too_long" => "内容过长",
        "invalid_value" => "内容不符合要求",
        _ => "操作被拒绝",
    };
    format!("{zh}（{}）", r.message)
}

/// The author of an office action.
pub fn author(user: &OfficeUser, state: &AppState) -> Author {
    Author {
        device_id: state.server_device().id,
        cadre_id: user.cadre.id,
        role: user.cadre.role,
        unit_id: user.unit.id,
        unit_kind: user.unit.kind,
        county_id: user.unit.county_id,
    }
}

/// Records one action, with its audit line naming the office account; a refusal aborts the
/// transaction.
pub fn act(
    tx: &mut Tx<'_>,
    state: &AppState,
    author: &Author,
    record_id: Uuid,
    payload: Payload,
) -> Result<(), Failed> {
    let record_type = payload.record_type().code();
    let now = state.now_ms();
    match state.server_device().act(tx, author, record_id, payload, now)? {
        Ok(()) => {
            let who = crate::audit::Who {
                cadre: Some(author.cadre_id),
                device: Some(author.device_id),
                address: Some("office".into()),
            };
            let id = Some(record_id.to_string());
            crate::audit::record(
                tx,
                &who,
                crate::store::AuditAction::Change,
                record_type,
                id,
                1,
                now,
            )?;
            Ok(())
        }
        Err(refusal) => Err(Failed::Refused(refusal_text(&refusal))),
    }
}

/// Runs `f` in one write transaction off the async runtime; committed only if it returns `Ok`,
/// run again if the transaction collided with another.
/// The server device's row is taken first, so office writes lock in one order — device,
/// households, concerns, the order of a phone's push — and cannot deadlock one another.
pub async fn write<T: Send + 'static>(
    state: &AppState,
    mut f: impl FnMut(&mut Tx<'_>, &AppState) -> Result<T, Failed> + Send + 'static,
) -> Result<T, Failed> {
    let (state, span) = (state.clone(), tracing::Span::current());
    let joined = tokio::task::spawn_blocking(move || {
        let _request = span.enter();
        state.db().write(|tx| {
            tx.high_water(state.server_device().id)?;
            f(tx, &state)
        })
    })
    .await;
    joined.map_err(|e| Failed::Error(e.into()))?
}

/// Runs `f` in a read transaction off the async runtime, each statement planned for its values
/// (a page's statements cost very different amounts for a department and for the county).
pub async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, OfficeError> {
    let (state, span) = (state.clone(), tracing::Span::current());
    tokio::task::spawn_blocking(move || {
        let _request = span.enter();
        state.db().read_planned_per_run(f)
    })
    .await?
}
