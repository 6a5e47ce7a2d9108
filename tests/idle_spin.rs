//! The CPU pool's idle spin (vendor/rayon-core's `set_idle_spin`, set by `backend::cpu`) must
//! end: after a parallel job the workers keep looking for work for about a millisecond and then
//! sleep, so an idle app burns no CPU. Its own test binary, so that no other test's parallel
//! work runs in the process while it measures.

#![cfg(target_os = "linux")]

use std::time::Duration;

/// CPU time (user + system) this process has used, from /proc/self/stat (clock ticks).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')').expect("')' in /proc/self/stat") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[test]
fn idle_workers_fall_asleep_after_the_spin() {
    use rayon::prelude::*;
    // Selecting the CPU device sets the spin (1 ms unless ASSD_IDLE_SPIN_US says otherwise).
    let selected = assd::backend::select_device(assd::backend::DeviceChoice::Cpu).expect("cpu");
    assert!(!selected.is_gpu);
    let sum: u64 = (0..1_000_000u64).into_par_iter().map(|i| i % 7).sum();
    assert_eq!(sum, (0..1_000_000u64).map(|i| i % 7).sum::<u64>());
    // Let the spin run out, then measure a stretch with nothing to do.
    std::thread::sleep(Duration::from_millis(100));
    let before = cpu_ticks();
    std::thread::sleep(Duration::from_millis(1000));
    let used = cpu_ticks() - before;
    // Workers that never slept would use ~100 ticks per worker in that second (the clock runs
    // at 100 ticks/s on Linux); sleeping ones use none. 20 leaves room for a loaded machine.
    assert!(
        used < 20,
        "idle rayon workers used {used} ticks of CPU in 1 s (they should be asleep)"
    );
}
