;; hostile: a plugin that breaks the canonical ABI on purpose, for the
;; tests (not a plugin to use). argv[1]'s first byte picks the attack; a
;; refused call that returns an error exits 1 with "error:<case>" on stdout,
;; the host trapping the plugin exits 2 (sandcache run).
;;   p  key pointer outside memory          r  return area outside memory
;;   n  get-many with 2^31-1 keys           c  cabi_realloc returns garbage
;;   h  a handle never opened               d  a handle used after its drop
;;   t  a CAS handle used as a bucket
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "open" (func $open (param i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[resource-drop]bucket" (func $drop (param i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.get" (func $get (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.set" (func $set (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.list-keys" (func $list (param i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/batch@0.2.0-draft2" "get-many" (func $get_many (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/atomics@0.2.0-draft2" "[static]cas.new" (func $cas_new (param i32 i32 i32 i32)))

  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 8192))
  (global $evil (mut i32) (i32.const 0))
  (data (i32.const 16) "b")
  (data (i32.const 32) "k")
  (data (i32.const 40) "1")
  (data (i32.const 48) "error:0\n")

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (if (global.get $evil) (then (return (i32.const 0xfffffff0))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
    (local.get $p))

  ;; check ends the run when the result at 64 is an error: prints
  ;; "error:<case>" (the error variant's case at 68, or 72 for results whose
  ;; payload is 8-aligned) and exits 1.
  (func $check (param $caseAt i32)
    (if (i32.load8_u (i32.const 64))
      (then
        (i32.store8 (i32.const 54) (i32.add (i32.const 48) (i32.load8_u (local.get $caseAt))))
        (i32.store (i32.const 400) (i32.const 48))
        (i32.store (i32.const 404) (i32.const 8))
        (drop (call $fd_write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 408)))
        (call $proc_exit (i32.const 1)))))

  (func $bucket (result i32)
    (call $open (i32.const 16) (i32.const 1) (i32.const 64))
    (call $check (i32.const 68))
    (i32.load (i32.const 68)))

  (func (export "_start")
    (local $c i32) (local $b i32)
    (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))
    (if (i32.or (i32.lt_u (i32.load (i32.const 100)) (i32.const 2))
                (i32.or (i32.gt_u (i32.load (i32.const 100)) (i32.const 16))
                        (i32.gt_u (i32.load (i32.const 104)) (i32.const 4096))))
      (then (call $proc_exit (i32.const 64))))
    (drop (call $args_get (i32.const 128) (i32.const 4096)))
    (local.set $c (i32.load8_u (i32.load (i32.const 132))))
    (local.set $b (call $bucket))
    (if (i32.eq (local.get $c) (i32.const 112)) ;; p
      (then (call $get (local.get $b) (i32.const 0xfffffff0) (i32.const 100) (i32.const 64))))
    (if (i32.eq (local.get $c) (i32.const 114)) ;; r
      (then (call $get (local.get $b) (i32.const 32) (i32.const 1) (i32.const 0xfffffff8))))
    (if (i32.eq (local.get $c) (i32.const 110)) ;; n
      (then (call $get_many (local.get $b) (i32.const 1024) (i32.const 0x7fffffff) (i32.const 64))))
    (if (i32.eq (local.get $c) (i32.const 99)) ;; c
      (then
        (call $set (local.get $b) (i32.const 32) (i32.const 1) (i32.const 40) (i32.const 1) (i32.const 64))
        (call $check (i32.const 68))
        (global.set $evil (i32.const 1))
        (call $list (local.get $b) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64))))
    (if (i32.eq (local.get $c) (i32.const 104)) ;; h
      (then (call $get (i32.const 12345) (i32.const 32) (i32.const 1) (i32.const 64))))
    (if (i32.eq (local.get $c) (i32.const 100)) ;; d
      (then
        (call $drop (local.get $b))
        (call $get (local.get $b) (i32.const 32) (i32.const 1) (i32.const 64))))
    (if (i32.eq (local.get $c) (i32.const 116)) ;; t
      (then
        (call $cas_new (local.get $b) (i32.const 32) (i32.const 1) (i32.const 64))
        (call $check (i32.const 68))
        (call $get (i32.load (i32.const 68)) (i32.const 32) (i32.const 1) (i32.const 64))))
    (call $check (i32.const 68)))
)
