//! The actions an op takes: a household patch's (creating, editing, confirming, filing,
//! linking, moving, retiring, restoring) and a monthly report's, each with the phase the table
//! permits it from.

use super::{Action, Phase, Refusal};
use crate::household::{Household, HouseholdStatus};
use crate::sync::op::{HouseholdPatch, ReportStatus};

/// The actions a household patch takes on a household in `current` state, each with the phase
/// it is permitted from: creating it (and, at once, confirming or filing it), editing its
/// profile, confirming or filing it, linking it to a cadre, moving it, retiring or restoring
/// it. A status moved backwards (filed → proposed) is refused.
pub fn household_actions(
    current: Option<&Household>,
    patch: &HouseholdPatch,
) -> Result<Vec<(Action, Phase)>, Refusal> {
    let mut out = Vec::new();
    let Some(h) = current else {
        out.push((Action::CreateHousehold, Phase::New));
        match patch.status {
            Some(HouseholdStatus::Confirmed) => {
                out.push((Action::ConfirmHousehold, Phase::Proposed))
            }
            Some(HouseholdStatus::Filed) => out.push((Action::FileHousehold, Phase::Proposed)),
            _ => {}
        }
        if patch.deleted == Some(true) {
            out.push((Action::RetireHousehold, Phase::Proposed));
        }
        return Ok(out);
    };
    let phase = Phase::of_household(Some(h));
    let changed = |new: &Option<String>, old: &str| new.as_deref().is_some_and(|v| v != old);
    let kinds_changed = patch
        .kinds
        .as_ref()
        .is_some_and(|v| v.iter().copied().collect::<std::collections::BTreeSet<_>>() != h.kinds);
    if changed(&patch.head_name, &h.head_name)
        || changed(&patch.address, &h.address)
        || changed(&patch.phone, &h.phone)
        || changed(&patch.notes, &h.notes)
        || kinds_changed
    {
        out.push((Action::EditHousehold, phase));
    }
    if let Some(status) = patch.status.filter(|s| *s != h.status) {
        let rank = |s: HouseholdStatus| match s {
            HouseholdStatus::Proposed => 0,
            HouseholdStatus::Confirmed => 1,
            HouseholdStatus::Filed => 2,
        };
        if rank(status) < rank(h.status) {
            return Err(Refusal::new(
                "illegal_transition",
                format!(
                    "联系户状态不能由{}退回{}（a household's status does not go back）",
                    crate::label::Label::zh(&h.status),
                    crate::label::Label::zh(&status)
                ),
            ));
        }
        let action = match status {
            HouseholdStatus::Confirmed => Action::ConfirmHousehold,
            _ => Action::FileHousehold,
        };
        out.push((action, phase));
    }
    if patch.cadre_id.is_some_and(|c| c != h.cadre_id) {
        out.push((Action::LinkHousehold, phase));
    }
    if patch.village_id.is_some_and(|v| v != h.village_id) {
        out.push((Action::MoveHousehold, phase));
    }
    match patch.deleted {
        Some(true) if !h.deleted => out.push((Action::RetireHousehold, phase)),
        Some(false) if h.deleted => out.push((Action::RestoreHousehold, phase)),
        _ => {}
    }
    // Why and since when is the office's to say, like the retiring itself.
    if patch.retirement.is_some_and(|r| r != h.retirement) && patch.deleted.is_none() {
        out.push((Action::RetireHousehold, phase));
    }
    Ok(out)
}

/// The action a monthly report op takes, from the stored status to the op's.
pub fn report_action(next: ReportStatus) -> Action {
    match next {
        ReportStatus::Draft => Action::EditReport,
        ReportStatus::Submitted => Action::SubmitReport,
        ReportStatus::Filed => Action::FileReport,
    }
}
