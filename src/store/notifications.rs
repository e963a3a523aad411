//! The notifications rules have sent, as the dashboard lists them: the hub's
//! recent ones from each snapshot and each one pushed since, less those
//! dismissed on this page.

use hearth_core::rules::Notification;
use leptos::prelude::*;

/// At most this many are listed; older ones drop off the end.
const SHOWN: usize = 20;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Notifications {
    /// Oldest first.
    shown: RwSignal<Vec<Notification>>,
    /// Ids dismissed on this page, so a resync does not bring them back.
    dismissed: RwSignal<Vec<u64>>,
}

impl Notifications {
    pub(crate) fn new() -> Self {
        Notifications {
            shown: RwSignal::new(Vec::new()),
            dismissed: RwSignal::new(Vec::new()),
        }
    }

    /// What to list, newest first.
    pub(crate) fn newest_first(&self) -> Vec<Notification> {
        self.shown
            .with(|shown| shown.iter().rev().cloned().collect())
    }

    /// A snapshot's notifications replace those held.
    pub(crate) fn replace_all(&self, recent: Vec<Notification>) {
        // Ids the hub no longer sends cannot come back: forget them.
        self.dismissed.update_untracked(|dismissed| {
            dismissed.retain(|id| recent.iter().any(|n| n.id == *id))
        });
        let mut kept: Vec<Notification> = recent
            .into_iter()
            .filter(|n| !self.is_dismissed(n.id))
            .collect();
        let excess = kept.len().saturating_sub(SHOWN);
        kept.drain(..excess);
        crate::store::set_if_changed(self.shown, kept);
    }

    /// A pushed notification joins the list, unless it is held already (a
    /// snapshot taken just after it was sent carries it too) or dismissed.
    pub(crate) fn push(&self, notification: Notification) {
        let held = self
            .shown
            .with_untracked(|shown| shown.iter().any(|n| n.id == notification.id));
        if held || self.is_dismissed(notification.id) {
            return;
        }
        self.shown.update(|shown| {
            shown.push(notification);
            if shown.len() > SHOWN {
                shown.remove(0);
            }
        });
    }

    pub(crate) fn dismiss(&self, id: u64) {
        self.dismissed
            .update_untracked(|dismissed| dismissed.push(id));
        self.shown.update(|shown| shown.retain(|n| n.id != id));
    }

    fn is_dismissed(&self, id: u64) -> bool {
        self.dismissed
            .with_untracked(|dismissed| dismissed.contains(&id))
    }
}
