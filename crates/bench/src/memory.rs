//! Resident memory as Linux reports it in /proc/<pid>/status: now (`VmRSS`) and at its peak
//! (`VmHWM`), of this process or of a child. Each area of a full run is a process of its own, so
//! this process's figures are that area's.

use crate::machine::kilobytes;

/// The kernel's figures could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The status file is unreadable (not Linux? a process that ended?).
    #[error("cannot read {0}")]
    Unreadable(String, #[source] std::io::Error),
    /// The field is not there.
    #[error("{0} has no {1} line")]
    Missing(String, &'static str),
}

/// This process's resident memory now, in bytes.
pub fn resident() -> Result<u64, MemoryError> {
    status_bytes("/proc/self/status", "VmRSS")
}

/// The most resident memory process `pid` had since it started, in bytes.
pub fn peak_of(pid: u32) -> Result<u64, MemoryError> {
    status_bytes(&format!("/proc/{pid}/status"), "VmHWM")
}

fn status_bytes(path: &str, name: &'static str) -> Result<u64, MemoryError> {
    let status = std::fs::read_to_string(path).map_err(|error| MemoryError::Unreadable(path.to_owned(), error))?;
    status
        .lines()
        .find_map(|line| kilobytes(line.strip_prefix(name)?.strip_prefix(':')?.trim()))
        .map(|kib| kib * 1024)
        .ok_or_else(|| MemoryError::Missing(path.to_owned(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_at_least_what_is_resident_now() {
        let now = resident().unwrap();
        assert!(now > 0);
        assert!(peak_of(std::process::id()).unwrap() >= now);
    }
}
