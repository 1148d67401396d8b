//! The systemd unit in `deploy/`: the settings a service needs (its environment file, its state
//! directory) and the hardening options, only variables `policybot serve` reads, and the README's
//! deployment section using it. `.ci/run` also has `systemd-analyze verify` check its syntax where
//! systemd is installed.

use std::path::Path;

use crate::helpers::{run, stdout};

fn unit() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/policybot.service"))
        .expect("deploy/policybot.service exists")
}

#[test]
fn the_systemd_unit_reads_an_environment_file_keeps_state_and_is_hardened() {
    let unit = unit();
    let settings: Vec<&str> = unit.lines().filter(|line| !line.starts_with('#')).collect();
    for required in [
        "EnvironmentFile=/etc/policybot/policybot.env",
        "StateDirectory=policybot",
        "ExecStart=/usr/local/bin/policybot serve",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "MemoryDenyWriteExecute=yes",
    ] {
        assert!(settings.contains(&required), "{required} is missing");
    }
}

#[test]
fn the_unit_sets_only_variables_serve_reads() {
    let help = stdout(&run(&["serve", "--help"], ""));
    for line in unit().lines().filter_map(|line| line.strip_prefix("Environment=")) {
        let variable = line.split('=').next().unwrap();
        assert!(variable == "RUST_LOG" || help.contains(&format!("env: {variable}")), "{variable} is not read: {help}");
    }
}

#[test]
fn the_readme_deploys_with_the_unit() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("deploy/policybot.service") && readme.contains("/etc/policybot/policybot.env"));
}
