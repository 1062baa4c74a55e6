//! A decompression bomb must be refused from its header, before anything sizeable is allocated.
//! This binary counts every allocation, so it holds exactly one test (tests in one binary run in
//! parallel and would count each other's memory).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use schalter_photo::check::{check_photo, Limits};

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::SeqCst);
        TOTAL.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// SOI, a baseline frame header claiming `width` × `height` with three components, an SOS header
/// and a few bytes of scan data, EOI.
fn bomb(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    out.extend(height.to_be_bytes());
    out.extend(width.to_be_bytes());
    out.extend([3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    out.extend([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0]);
    out.extend([0x12, 0x34, 0xFF, 0xD9]);
    out
}

#[test]
fn bomb_is_refused_without_allocating() {
    let bytes = bomb(60000, 60000);
    let limits = Limits::default();
    LARGEST.store(0, Ordering::SeqCst);
    TOTAL.store(0, Ordering::SeqCst);

    let err = check_photo(&bytes, &limits).unwrap_err();

    let (largest, total) = (LARGEST.load(Ordering::SeqCst), TOTAL.load(Ordering::SeqCst));
    assert_eq!(err.code(), "decompression_bomb");
    // The error message is the only allocation we expect; a decoder buffer would be gigabytes.
    assert!(total < 4096, "allocated {total} bytes in total (largest {largest})");

    // Control: the counter does see allocations.
    let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(1 << 20));
    assert!(LARGEST.load(Ordering::SeqCst) >= 1 << 20);
    drop(v);
}
