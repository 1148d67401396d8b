//! The machine and the moment a run describes: CPU model, cores, memory, kernel, date and commit,
//! read from /proc and git; anything unreadable shows as "unknown" rather than failing the run.

use std::fmt;
use std::process::Command;

/// Where and when the figures were measured.
#[derive(Debug, Clone)]
pub struct Machine {
    /// The CPU model as /proc/cpuinfo names it.
    pub cpu: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Total memory in bytes.
    pub memory: Option<u64>,
    /// The kernel release.
    pub kernel: String,
    /// When the run ended, UTC.
    pub date: String,
    /// The commit measured, marked when the working tree differs from it.
    pub commit: String,
}

impl Machine {
    /// This machine, now.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = field(&cpuinfo, "model name").unwrap_or("unknown").to_owned();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = field(&meminfo, "MemTotal").and_then(kilobytes).map(|kib| kib * 1024);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|text| text.trim().to_owned());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory,
            kernel: kernel.unwrap_or_else(|_| "unknown".to_owned()),
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            commit: commit(),
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let memory =
            self.memory.map_or("unknown".to_owned(), |bytes| format!("{:.1} GiB", bytes as f64 / 1024f64.powi(3)));
        write!(
            f,
            "Measured on {} at commit {}, release build. Machine: {}, {} cores, {memory} RAM, Linux {}.",
            self.date, self.commit, self.cpu, self.cores, self.kernel
        )
    }
}

/// The value of the first `name: value` line of a /proc file.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// `16384 kB` as 16384.
pub(crate) fn kilobytes(value: &str) -> Option<u64> {
    value.strip_suffix("kB")?.trim().parse().ok()
}

/// `git rev-parse --short HEAD`, marked when tracked files differ from it.
fn commit() -> String {
    let git = |args: &[&str]| {
        let output = Command::new("git").args(args).current_dir(crate::repository()).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) if git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) => {
            format!("`{hash}` (with uncommitted changes)")
        }
        Some(hash) => format!("`{hash}`"),
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_fields_and_sizes() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC\nMemTotal:       24684412 kB\n";
        assert_eq!(field(text, "model name"), Some("AMD EPYC"));
        assert_eq!(field(text, "MemTotal").and_then(kilobytes), Some(24_684_412));
        assert_eq!(field(text, "cpu MHz"), None);
    }
}
