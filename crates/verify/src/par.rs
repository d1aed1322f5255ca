//! Two pieces of work at once: the second on another thread where one can be started
//! (on wasm32 without threads, or when the OS refuses, one after the other).

use alloc::string::String;

/// Runs `a` on a second thread while `b` runs on this one; one after the other where no
/// thread can be started (wasm32 without threads, or an OS refusal).
pub(crate) fn join2<A: Send, B>(a: impl Fn() -> A + Sync, b: impl FnOnce() -> B) -> (A, B) {
    let a = &a;
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name(String::from("crl-work"))
            .spawn_scoped(s, a)
        {
            Ok(h) => {
                let rb = b();
                let ra = h.join().unwrap_or_else(|_| a());
                (ra, rb)
            }
            Err(_) => (a(), b()),
        }
    })
}
