//! Logs bounded by bytes: the newest entries whose weights fit a budget, the oldest forgotten
//! first. The calls log and the push log keep their entries in one.

use std::collections::VecDeque;

/// What an entry of a bounded log costs in memory: its own size and the bytes it owns.
pub(crate) trait Weigh {
    /// The entry's weight in bytes.
    fn weight(&self) -> usize;
}

/// What a bounded log holds against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Entries kept.
    pub(crate) entries: usize,
    /// Their weight in bytes.
    pub(crate) bytes: usize,
    /// The budget.
    pub(crate) max_bytes: usize,
    /// Entries forgotten to stay within the budget.
    pub(crate) forgotten: u64,
}

/// A log bounded by bytes: the newest entries whose weights add up to at most `max_bytes`;
/// the oldest are forgotten first.
#[derive(Debug)]
pub(crate) struct Bounded<T> {
    entries: VecDeque<T>,
    bytes: usize,
    max_bytes: usize,
    forgotten: u64,
}

impl<T: Weigh> Bounded<T> {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            max_bytes,
            forgotten: 0,
        }
    }

    pub(crate) fn push(&mut self, entry: T) {
        self.bytes = self.bytes.saturating_add(entry.weight());
        self.entries.push_back(entry);
        self.trim();
    }

    /// Changes the first entry `find` selects, if there is one, keeping the count of bytes.
    pub(crate) fn update(&mut self, find: impl Fn(&T) -> bool, change: impl FnOnce(&mut T)) {
        if let Some(entry) = self.entries.iter_mut().find(|e| find(e)) {
            self.bytes = self.bytes.saturating_sub(entry.weight());
            change(entry);
            self.bytes = self.bytes.saturating_add(entry.weight());
            self.trim();
        }
    }

    /// Forgets the oldest entries until the rest fit the budget.
    fn trim(&mut self) {
        while self.bytes > self.max_bytes {
            let Some(oldest) = self.entries.pop_front() else {
                self.bytes = 0;
                break;
            };
            self.bytes = self.bytes.saturating_sub(oldest.weight());
            self.forgotten = self.forgotten.saturating_add(1);
        }
        // A deque that once held many more entries than it does now gives its memory back.
        if self.entries.capacity() > 1024 && self.entries.capacity() > 4 * self.entries.len() {
            self.entries.shrink_to(2 * self.entries.len());
        }
    }

    /// The entries `keep` selects, oldest first; with a `limit`, only the newest that many.
    pub(crate) fn select(&self, keep: impl Fn(&T) -> bool, limit: Option<usize>) -> Vec<&T> {
        let selected: Vec<&T> = self.entries.iter().filter(|e| keep(e)).collect();
        let skip = limit.map_or(0, |limit| selected.len().saturating_sub(limit));
        selected.into_iter().skip(skip).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.entries.shrink_to_fit();
        self.bytes = 0;
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage {
            entries: self.entries.len(),
            bytes: self.bytes,
            max_bytes: self.max_bytes,
            forgotten: self.forgotten,
        }
    }
}
