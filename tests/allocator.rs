//! The allocator setting of the store phase, in a process of its own: the option
//! is global, and tests running ingests beside it would change it under this one.

use qtrail::memory::{DEFAULT_PURGE_DELAYS, KeepFreedPages, PURGE_DELAY, PURGE_DELAY_VARS};

#[test]
fn freed_pages_are_kept_while_the_guard_lives_and_the_setting_comes_back_after() {
    if PURGE_DELAY_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        // The user's setting wins: the guard does nothing.
        assert!(!KeepFreedPages::start().active());
        return;
    }
    // SAFETY: reading an option of mimalloc's enum.
    let read = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
    let before = read();
    assert!(
        DEFAULT_PURGE_DELAYS.contains(&before),
        "option {PURGE_DELAY} reads {before}, not a default of the purge delay: the option number is wrong for this mimalloc"
    );
    {
        let kept = KeepFreedPages::start();
        assert!(kept.active());
        assert_eq!(read(), -1);
        // A setting that is not the default (the user's) is left alone.
        assert!(!KeepFreedPages::start().active());
        assert_eq!(read(), -1);
    }
    assert_eq!(read(), before);
}
