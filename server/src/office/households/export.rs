//! `GET /office/households.csv` and `.xlsx`: the registry in scope, every household.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minqing_shared::Label;

use crate::office::kit::act;
use crate::office::kit::download::{csv_bytes, download};
use crate::office::kit::error::OfficeError;
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// `GET /office/households.xlsx`: the registry as a sheet (`kit::xlsx`).
pub(crate) async fn xlsx(user: OfficeUser, State(state): State<AppState>) -> Response {
    use crate::office::kit::xlsx::{Cell, Column, Export, table};
    let scope = user.scope();
    let rows = match act::read(&state, move |tx| Ok(tx.scope_households(scope)?)).await {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let h = &r.household;
            let kinds: Vec<&str> = h.kinds.iter().map(|k| k.zh()).collect();
            vec![
                r.township.as_str().into(),
                r.village.as_str().into(),
                h.head_name.as_str().into(),
                h.address.as_str().into(),
                h.phone.as_str().into(),
                kinds.join("、").into(),
                r.cadre.clone().into(),
                h.status.zh().into(),
            ]
        })
        .collect();
    let columns = [
        Column("乡镇", 12.0),
        Column("村", 12.0),
        Column("户主", 10.0),
        Column("组别/住址", 16.0),
        Column("电话", 14.0),
        Column("户别", 16.0),
        Column("联系干部", 10.0),
        Column("状态", 8.0),
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let bytes =
        table(&mut book, "联系户名册", &columns, &cells).and_then(|()| book.save_to_buffer());
    let name = format!("{}-联系户名册.xlsx", user.unit.name);
    let export = Export {
        book: bytes,
        what: "households.xlsx",
        record: None,
        rows: rows.len(),
        name: &name,
    };
    export.send(&state, &user).await
}

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
