//! `GET /office/households.csv`: the registry in scope, every household.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minqing_shared::Label;

use crate::office::kit::act;
use crate::office::kit::download::{csv_bytes, download};
use crate::office::kit::error::OfficeError;
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// `GET /office/households.csv`.
pub(crate) async fn csv(user: OfficeUser, State(state): State<AppState>) -> Response {
    let scope = user.scope();
    let rows = match act::read(&state, move |tx| Ok(tx.scope_households(scope)?)).await {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let bytes = csv_bytes(|w| {
        w.write_record(["乡镇", "村", "户主", "组别/住址", "电话", "户别", "联系干部", "状态"])?;
        for r in &rows {
            let h = &r.household;
            let kinds: Vec<&str> = h.kinds.iter().map(|k| k.zh()).collect();
            w.write_record([
                r.township.as_str(),
                &r.village,
                &h.head_name,
                &h.address,
                &h.phone,
                &kinds.join("、"),
                r.cadre.as_deref().unwrap_or("—"),
                h.status.zh(),
            ])?;
        }
        Ok(())
    });
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Err(e) =
        crate::audit::office_export(&state, user.cadre.id, "households.csv", None, rows.len()).await
    {
        return OfficeError::from(e).into_response();
    }
    download("text/csv; charset=utf-8", &format!("{}-联系户名册.csv", user.unit.name), bytes)
}
