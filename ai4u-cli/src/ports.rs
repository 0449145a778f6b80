//! Who holds a TCP port, for the "port already in use" message (Linux: from /proc; elsewhere
//! nothing is known).

/// `pid <n> (<command>)` of the process listening on `port`, if it can be found.
pub fn holder(port: u16) -> Option<String> {
    let inode = listening_inode(port)?;
    let needle = format!("socket:[{inode}]");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == needle));
        if holds {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            return Some(format!("pid {pid} ({})", comm.trim()));
        }
    }
    None
}

/// The socket inode listening on `port` (state 0A = LISTEN), over IPv4 and IPv6.
fn listening_inode(port: u16) -> Option<String> {
    let want = format!("{port:04X}");
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local_port = cols.get(1).and_then(|a| a.rsplit(':').next());
            if local_port == Some(want.as_str()) && cols.get(3) == Some(&"0A") {
                return cols.get(9).map(|s| s.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn finds_this_process_listening() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let who = super::holder(port).expect("found in /proc");
        assert!(who.starts_with(&format!("pid {} (", std::process::id())), "{who}");
    }
}
