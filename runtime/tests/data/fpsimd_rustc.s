// FP/SIMD-heavy real code for runtime/tests/fpsimd.rs: rustc 1.96 (Debian rustc-web),
// target aarch64-unknown-none, -C opt-level=3 -C target-cpu=cortex-a72
// -C target-feature=-strict-align --emit=asm, from this source:
//
//   #![no_std]
//   //! FP/SIMD-heavy functions: scalar and vector float arithmetic, conversions,
//   //! auto-vectorised integer loops, block copies and zeroing.
//   
//   #[no_mangle]
//   pub fn dot_f32(a: &[f32; 64], b: &[f32; 64]) -> f32 {
//       let mut s = 0.0;
//       for i in 0..64 { s += a[i] * b[i]; }
//       s
//   }
//   
//   #[no_mangle]
//   pub fn matmul4(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4], out: &mut [[f64; 4]; 4]) {
//       for i in 0..4 { for j in 0..4 {
//           let mut s = 0.0;
//           for k in 0..4 { s += a[i][k] * b[k][j]; }
//           out[i][j] = s;
//       } }
//   }
//   
//   #[no_mangle]
//   pub fn horner(x: f64, c: &[f64; 8]) -> f64 {
//       let mut r = 0.0;
//       for &k in c.iter().rev() { r = r * x + k; }
//       r
//   }
//   
//   #[no_mangle]
//   pub fn convert(x: i64, y: u32, z: f32) -> (f64, f32, i32, u64) {
//       (x as f64 + y as f64, (x as f32) / z, z as i32, (z as f64 * 0.5) as u64)
//   }
//   
//   #[no_mangle]
//   pub fn clamp_min_max(v: &mut [f32; 32], lo: f32, hi: f32) {
//       for x in v.iter_mut() { *x = x.max(lo).min(hi); }
//   }
//   
//   #[no_mangle]
//   pub fn byte_sum(v: &[u8; 256]) -> u32 {
//       v.iter().map(|&b| b as u32).sum()
//   }
//   
//   #[no_mangle]
//   pub fn saxpy(a: f32, x: &[f32; 128], y: &mut [f32; 128]) {
//       for i in 0..128 { y[i] = a * x[i] + y[i]; }
//   }
//   
//   #[no_mangle]
//   pub fn u16_max(v: &[u16; 64]) -> u16 {
//       v.iter().copied().max().unwrap_or(0)
//   }
//   
//   #[derive(Clone, Copy)]
//   pub struct Big { pub words: [u64; 16] }
//   
//   #[no_mangle]
//   pub fn copy_big(dst: &mut Big, src: &Big) { *dst = *src; }
//   
//   #[no_mangle]
//   pub fn zero_big(dst: &mut Big) { *dst = Big { words: [0; 16] }; }
//   
//   #[no_mangle]
//   pub fn compare(a: f64, b: f64) -> i32 {
//       if a < b { -1 } else if a > b { 1 } else if a == b { 0 } else { 2 }
//   }
//   
//   #[no_mangle]
//   pub fn select(a: f32, b: f32, c: bool) -> f32 { if c { a.abs() } else { -b } }
//   
//   #[no_mangle]
//   pub fn round_all(x: f64) -> (f64, f64, f64, f64) {
//       (x.floor_compat(), x.ceil_compat(), x.trunc_compat(), x.round_compat())
//   }
//   
//   trait R { fn floor_compat(self) -> f64; fn ceil_compat(self) -> f64; fn trunc_compat(self) -> f64; fn round_compat(self) -> f64; }
//   impl R for f64 {
//       fn floor_compat(self) -> f64 { let t = self as i64 as f64; if t > self { t - 1.0 } else { t } }
//       fn ceil_compat(self) -> f64 { let t = self as i64 as f64; if t < self { t + 1.0 } else { t } }
//       fn trunc_compat(self) -> f64 { self as i64 as f64 }
//       fn round_compat(self) -> f64 { (self + 0.5) as i64 as f64 }
//   }
//   
//   #[no_mangle]
//   pub fn fp_bits(x: f64, y: f32) -> (u64, u32, f64) {
//       (x.to_bits(), y.to_bits(), f64::from_bits(x.to_bits() ^ 1))
//   }
//   
//   #[no_mangle]
//   pub fn mixed(v: &[i32; 16], f: &[f32; 16]) -> f32 {
//       let mut s = 0.0;
//       for i in 0..16 { s += v[i] as f32 * f[i]; }
//       s
//   }
//   
//   #[no_mangle]
//   pub fn half(v: &mut [u32; 64]) {
//       for x in v.iter_mut() { *x = (*x >> 1).wrapping_mul(3) ^ 0x55; }
//   }

	.file	"fpheavy.746cd327706c6ccd-cgu.0"
	.section	.text.byte_sum,"ax",@progbits
	.globl	byte_sum
	.p2align	4
	.type	byte_sum,@function
byte_sum:
	ldp	q0, q1, [x0]
	ldp	q2, q3, [x0, #32]
	uaddl	v4.8h, v0.8b, v2.8b
	uaddl2	v0.8h, v0.16b, v2.16b
	uaddl	v2.8h, v1.8b, v3.8b
	uaddl2	v1.8h, v1.16b, v3.16b
	ldp	q3, q5, [x0, #64]
	ushll	v6.8h, v3.8b, #0
	ushll2	v3.8h, v3.16b, #0
	ushll	v7.8h, v5.8b, #0
	ushll2	v5.8h, v5.16b, #0
	uaddl	v16.4s, v0.4h, v3.4h
	uaddl	v17.4s, v4.4h, v6.4h
	uaddl2	v0.4s, v0.8h, v3.8h
	uaddl2	v3.4s, v4.8h, v6.8h
	uaddl	v4.4s, v1.4h, v5.4h
	uaddl	v6.4s, v2.4h, v7.4h
	uaddl2	v1.4s, v1.8h, v5.8h
	uaddl2	v2.4s, v2.8h, v7.8h
	ldp	q5, q7, [x0, #96]
	ushll2	v18.8h, v5.16b, #0
	ushll	v5.8h, v5.8b, #0
	ushll2	v19.8h, v7.16b, #0
	ushll	v7.8h, v7.8b, #0
	uaddw2	v3.4s, v3.4s, v5.8h
	uaddw2	v0.4s, v0.4s, v18.8h
	uaddw	v5.4s, v17.4s, v5.4h
	uaddw	v16.4s, v16.4s, v18.4h
	uaddw2	v2.4s, v2.4s, v7.8h
	uaddw2	v1.4s, v1.4s, v19.8h
	uaddw	v6.4s, v6.4s, v7.4h
	uaddw	v4.4s, v4.4s, v19.4h
	ldp	q7, q17, [x0, #128]
	ushll	v18.8h, v7.8b, #0
	ushll2	v7.8h, v7.16b, #0
	ushll	v19.8h, v17.8b, #0
	ushll2	v17.8h, v17.16b, #0
	uaddw	v16.4s, v16.4s, v7.4h
	uaddw	v5.4s, v5.4s, v18.4h
	uaddw2	v0.4s, v0.4s, v7.8h
	uaddw2	v3.4s, v3.4s, v18.8h
	uaddw	v4.4s, v4.4s, v17.4h
	uaddw	v6.4s, v6.4s, v19.4h
	uaddw2	v1.4s, v1.4s, v17.8h
	uaddw2	v2.4s, v2.4s, v19.8h
	ldp	q7, q17, [x0, #160]
	ushll2	v18.8h, v7.16b, #0
	ushll	v7.8h, v7.8b, #0
	ushll2	v19.8h, v17.16b, #0
	ushll	v17.8h, v17.8b, #0
	uaddw2	v3.4s, v3.4s, v7.8h
	uaddw2	v0.4s, v0.4s, v18.8h
	uaddw	v5.4s, v5.4s, v7.4h
	uaddw	v7.4s, v16.4s, v18.4h
	uaddw2	v2.4s, v2.4s, v17.8h
	uaddw2	v1.4s, v1.4s, v19.8h
	uaddw	v6.4s, v6.4s, v17.4h
	uaddw	v4.4s, v4.4s, v19.4h
	ldp	q16, q17, [x0, #192]
	ushll	v18.8h, v16.8b, #0
	ushll2	v16.8h, v16.16b, #0
	ushll	v19.8h, v17.8b, #0
	ushll2	v17.8h, v17.16b, #0
	uaddw	v7.4s, v7.4s, v16.4h
	uaddw	v5.4s, v5.4s, v18.4h
	uaddw2	v0.4s, v0.4s, v16.8h
	uaddw2	v3.4s, v3.4s, v18.8h
	uaddw	v4.4s, v4.4s, v17.4h
	uaddw	v6.4s, v6.4s, v19.4h
	uaddw2	v1.4s, v1.4s, v17.8h
	uaddw2	v2.4s, v2.4s, v19.8h
	ldp	q16, q17, [x0, #224]
	ushll2	v18.8h, v16.16b, #0
	ushll	v16.8h, v16.8b, #0
	ushll2	v19.8h, v17.16b, #0
	ushll	v17.8h, v17.8b, #0
	uaddw2	v3.4s, v3.4s, v16.8h
	uaddw2	v0.4s, v0.4s, v18.8h
	uaddw	v5.4s, v5.4s, v16.4h
	uaddw	v7.4s, v7.4s, v18.4h
	uaddw2	v2.4s, v2.4s, v17.8h
	uaddw2	v1.4s, v1.4s, v19.8h
	uaddw	v6.4s, v6.4s, v17.4h
	uaddw	v4.4s, v4.4s, v19.4h
	add	v4.4s, v4.4s, v7.4s
	add	v5.4s, v6.4s, v5.4s
	add	v0.4s, v1.4s, v0.4s
	add	v1.4s, v2.4s, v3.4s
	add	v0.4s, v1.4s, v0.4s
	add	v1.4s, v5.4s, v4.4s
	add	v0.4s, v1.4s, v0.4s
	addv	s0, v0.4s
	fmov	w0, s0
	ret
.Lfunc_end0:
	.size	byte_sum, .Lfunc_end0-byte_sum

	.section	.text.clamp_min_max,"ax",@progbits
	.globl	clamp_min_max
	.p2align	4
	.type	clamp_min_max,@function
clamp_min_max:
	dup	v0.4s, v0.s[0]
	dup	v1.4s, v1.s[0]
	fminnm	v0.4s, v0.4s, v0.4s
	fminnm	v1.4s, v1.4s, v1.4s
	ldp	q2, q3, [x0]
	fminnm	v2.4s, v2.4s, v2.4s
	fminnm	v3.4s, v3.4s, v3.4s
	fmaxnm	v2.4s, v2.4s, v0.4s
	fmaxnm	v3.4s, v3.4s, v0.4s
	fminnm	v2.4s, v2.4s, v1.4s
	fminnm	v3.4s, v3.4s, v1.4s
	stp	q2, q3, [x0]
	ldp	q2, q3, [x0, #32]
	fminnm	v2.4s, v2.4s, v2.4s
	fminnm	v3.4s, v3.4s, v3.4s
	fmaxnm	v2.4s, v2.4s, v0.4s
	fmaxnm	v3.4s, v3.4s, v0.4s
	fminnm	v2.4s, v2.4s, v1.4s
	fminnm	v3.4s, v3.4s, v1.4s
	stp	q2, q3, [x0, #32]
	ldp	q2, q3, [x0, #64]
	fminnm	v2.4s, v2.4s, v2.4s
	fminnm	v3.4s, v3.4s, v3.4s
	fmaxnm	v2.4s, v2.4s, v0.4s
	fmaxnm	v3.4s, v3.4s, v0.4s
	fminnm	v2.4s, v2.4s, v1.4s
	fminnm	v3.4s, v3.4s, v1.4s
	stp	q2, q3, [x0, #64]
	ldp	q2, q3, [x0, #96]
	fminnm	v2.4s, v2.4s, v2.4s
	fmaxnm	v2.4s, v2.4s, v0.4s
	fminnm	v3.4s, v3.4s, v3.4s
	fmaxnm	v0.4s, v3.4s, v0.4s
	fminnm	v2.4s, v2.4s, v1.4s
	fminnm	v0.4s, v0.4s, v1.4s
	stp	q2, q0, [x0, #96]
	ret
.Lfunc_end1:
	.size	clamp_min_max, .Lfunc_end1-clamp_min_max

	.section	.text.compare,"ax",@progbits
	.globl	compare
	.p2align	4
	.type	compare,@function
compare:
	mov	w8, #-1
	fcmp	d0, d1
	mov	w9, #2
	csel	w9, wzr, w9, eq
	csinc	w9, w9, wzr, le
	csel	w0, w8, w9, mi
	ret
.Lfunc_end2:
	.size	compare, .Lfunc_end2-compare

	.section	.text.convert,"ax",@progbits
	.globl	convert
	.p2align	4
	.type	convert,@function
convert:
	scvtf	s1, x0
	scvtf	d2, x0
	fcvt	d3, s0
	fcvtzs	w9, s0
	fdiv	s0, s1, s0
	fmov	d1, #0.50000000
	fmul	d1, d3, d1
	ucvtf	d3, w1
	fadd	d2, d2, d3
	str	w9, [x8, #12]
	str	d2, [x8]
	str	s0, [x8, #8]
	fcvtzu	x9, d1
	str	x9, [x8, #16]
	ret
.Lfunc_end3:
	.size	convert, .Lfunc_end3-convert

	.section	.text.copy_big,"ax",@progbits
	.globl	copy_big
	.p2align	4
	.type	copy_big,@function
copy_big:
	ldp	q0, q1, [x1, #64]
	stp	q0, q1, [x0, #64]
	ldp	q0, q1, [x1, #96]
	stp	q0, q1, [x0, #96]
	ldp	q0, q1, [x1]
	stp	q0, q1, [x0]
	ldp	q0, q1, [x1, #32]
	stp	q0, q1, [x0, #32]
	ret
.Lfunc_end4:
	.size	copy_big, .Lfunc_end4-copy_big

	.section	.text.dot_f32,"ax",@progbits
	.globl	dot_f32
	.p2align	4
	.type	dot_f32,@function
dot_f32:
	ldp	q0, q1, [x0]
	ldp	q2, q3, [x1]
	fmul	v0.4s, v0.4s, v2.4s
	mov	s2, v0.s[3]
	mov	s4, v0.s[2]
	mov	s5, v0.s[1]
	fmul	v1.4s, v1.4s, v3.4s
	mov	s3, v1.s[3]
	ldp	q6, q7, [x0, #32]
	ldp	q16, q17, [x1, #32]
	fmul	v6.4s, v6.4s, v16.4s
	fmul	v7.4s, v7.4s, v17.4s
	ldp	q16, q17, [x0, #64]
	ldp	q18, q19, [x1, #64]
	fmul	v16.4s, v16.4s, v18.4s
	movi	d18, #0000000000000000
	fadd	s0, s0, s18
	mov	s18, v1.s[2]
	fadd	s0, s0, s5
	mov	s5, v1.s[1]
	fadd	s0, s0, s4
	mov	s4, v6.s[3]
	fadd	s0, s0, s2
	mov	s2, v6.s[2]
	fadd	s0, s0, s1
	mov	s1, v6.s[1]
	fadd	s0, s0, s5
	mov	s5, v7.s[3]
	fadd	s0, s0, s18
	mov	s18, v7.s[2]
	fadd	s0, s0, s3
	mov	s3, v7.s[1]
	fadd	s0, s0, s6
	mov	s6, v16.s[3]
	fadd	s0, s0, s1
	mov	s1, v16.s[2]
	fadd	s0, s0, s2
	mov	s2, v16.s[1]
	fadd	s0, s0, s4
	fmul	v4.4s, v17.4s, v19.4s
	fadd	s0, s0, s7
	mov	s7, v4.s[3]
	fadd	s0, s0, s3
	mov	s3, v4.s[2]
	fadd	s0, s0, s18
	mov	s17, v4.s[1]
	fadd	s0, s0, s5
	fadd	s0, s0, s16
	fadd	s0, s0, s2
	ldp	q2, q5, [x0, #96]
	ldp	q16, q18, [x1, #96]
	fmul	v2.4s, v2.4s, v16.4s
	fadd	s0, s0, s1
	mov	s1, v2.s[3]
	fadd	s0, s0, s6
	mov	s6, v2.s[2]
	fadd	s0, s0, s4
	mov	s4, v2.s[1]
	fadd	s0, s0, s17
	fmul	v16.4s, v5.4s, v18.4s
	fadd	s0, s0, s3
	mov	s5, v16.s[3]
	fadd	s0, s0, s7
	mov	s3, v16.s[2]
	mov	s7, v16.s[1]
	fadd	s0, s0, s2
	fadd	s0, s0, s4
	fadd	s0, s0, s6
	fadd	s0, s0, s1
	ldp	q1, q4, [x0, #128]
	ldp	q2, q6, [x1, #128]
	fmul	v2.4s, v1.4s, v2.4s
	fadd	s0, s0, s16
	mov	s1, v2.s[3]
	fadd	s7, s0, s7
	fmul	v0.4s, v4.4s, v6.4s
	ldp	q4, q6, [x0, #160]
	ldp	q16, q17, [x1, #160]
	fmul	v4.4s, v4.4s, v16.4s
	fadd	s7, s7, s3
	fmul	v3.4s, v6.4s, v17.4s
	ldp	q6, q16, [x0, #192]
	ldp	q17, q18, [x1, #192]
	fmul	v6.4s, v6.4s, v17.4s
	fadd	s5, s7, s5
	fmul	v7.4s, v16.4s, v18.4s
	ldp	q16, q17, [x0, #224]
	ldp	q18, q19, [x1, #224]
	fmul	v16.4s, v16.4s, v18.4s
	mov	s18, v2.s[1]
	fadd	s5, s5, s2
	fadd	s5, s5, s18
	mov	s2, v2.s[2]
	fadd	s2, s5, s2
	mov	s5, v0.s[3]
	fadd	s1, s2, s1
	fmul	v2.4s, v17.4s, v19.4s
	mov	s17, v0.s[1]
	fadd	s1, s1, s0
	fadd	s1, s1, s17
	mov	s0, v0.s[2]
	fadd	s0, s1, s0
	mov	s1, v4.s[3]
	fadd	s0, s0, s5
	mov	s5, v4.s[2]
	fadd	s0, s0, s4
	mov	s4, v4.s[1]
	fadd	s0, s0, s4
	mov	s4, v3.s[3]
	fadd	s0, s0, s5
	mov	s5, v3.s[2]
	fadd	s0, s0, s1
	mov	s1, v3.s[1]
	fadd	s0, s0, s3
	mov	s3, v6.s[3]
	fadd	s0, s0, s1
	mov	s1, v6.s[2]
	fadd	s0, s0, s5
	mov	s5, v6.s[1]
	fadd	s0, s0, s4
	mov	s4, v7.s[3]
	fadd	s0, s0, s6
	mov	s6, v7.s[2]
	fadd	s0, s0, s5
	mov	s5, v7.s[1]
	fadd	s0, s0, s1
	mov	s1, v16.s[3]
	fadd	s0, s0, s3
	mov	s3, v16.s[2]
	fadd	s0, s0, s7
	mov	s7, v16.s[1]
	fadd	s0, s0, s5
	mov	s5, v2.s[3]
	fadd	s0, s0, s6
	mov	s6, v2.s[2]
	fadd	s0, s0, s4
	mov	s4, v2.s[1]
	fadd	s0, s0, s16
	fadd	s0, s0, s7
	fadd	s0, s0, s3
	fadd	s0, s0, s1
	fadd	s0, s0, s2
	fadd	s0, s0, s4
	fadd	s0, s0, s6
	fadd	s0, s0, s5
	ret
.Lfunc_end5:
	.size	dot_f32, .Lfunc_end5-dot_f32

	.section	.text.fp_bits,"ax",@progbits
	.globl	fp_bits
	.p2align	4
	.type	fp_bits,@function
fp_bits:
	str	d0, [x8]
	fmov	x9, d0
	str	s1, [x8, #8]
	eor	x9, x9, #0x1
	str	x9, [x8, #16]
	ret
.Lfunc_end6:
	.size	fp_bits, .Lfunc_end6-fp_bits

	.section	.text.half,"ax",@progbits
	.globl	half
	.p2align	4
	.type	half,@function
half:
	movi	v0.4s, #3
	ldp	q1, q2, [x0]
	ushr	v1.4s, v1.4s, #1
	mul	v3.4s, v1.4s, v0.4s
	ushr	v1.4s, v2.4s, #1
	mul	v2.4s, v1.4s, v0.4s
	movi	v1.4s, #85
	eor	v3.16b, v3.16b, v1.16b
	eor	v2.16b, v2.16b, v1.16b
	stp	q3, q2, [x0]
	ldp	q2, q3, [x0, #32]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #32]
	ldp	q2, q3, [x0, #64]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #64]
	ldp	q2, q3, [x0, #96]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #96]
	ldp	q2, q3, [x0, #128]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #128]
	ldp	q2, q3, [x0, #160]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #160]
	ldp	q2, q3, [x0, #192]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v3.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v3.16b, v3.16b, v1.16b
	stp	q2, q3, [x0, #192]
	ldp	q2, q3, [x0, #224]
	ushr	v2.4s, v2.4s, #1
	mul	v2.4s, v2.4s, v0.4s
	ushr	v3.4s, v3.4s, #1
	mul	v0.4s, v3.4s, v0.4s
	eor	v2.16b, v2.16b, v1.16b
	eor	v0.16b, v0.16b, v1.16b
	stp	q2, q0, [x0, #224]
	ret
.Lfunc_end7:
	.size	half, .Lfunc_end7-half

	.section	.text.horner,"ax",@progbits
	.globl	horner
	.p2align	4
	.type	horner,@function
horner:
	movi	d1, #0000000000000000
	fmul	d1, d0, d1
	ldp	d3, d2, [x0, #48]
	fadd	d1, d1, d2
	fmul	d1, d0, d1
	fadd	d1, d1, d3
	fmul	d1, d0, d1
	ldp	d3, d2, [x0, #32]
	fadd	d1, d1, d2
	fmul	d1, d0, d1
	fadd	d1, d1, d3
	fmul	d1, d0, d1
	ldp	d3, d2, [x0, #16]
	fadd	d1, d1, d2
	fmul	d1, d0, d1
	fadd	d1, d1, d3
	fmul	d1, d0, d1
	ldp	d3, d2, [x0]
	fadd	d1, d1, d2
	fmul	d0, d0, d1
	fadd	d0, d0, d3
	ret
.Lfunc_end8:
	.size	horner, .Lfunc_end8-horner

	.section	.text.matmul4,"ax",@progbits
	.globl	matmul4
	.p2align	4
	.type	matmul4,@function
matmul4:
	ldp	d3, d2, [x0]
	ldp	q4, q0, [x1]
	ldp	q5, q1, [x1, #32]
	fmul	v7.2d, v4.2d, v3.d[0]
	fmul	v16.2d, v5.2d, v2.d[0]
	ldp	d17, d18, [x0, #16]
	ldp	q23, q19, [x1, #48]
	fmul	v20.2d, v19.2d, v17.d[0]
	ldp	q6, q21, [x1]
	fmul	v22.2d, v21.2d, v3.d[0]
	ldr	q3, [x1, #32]
	fmul	v24.2d, v23.2d, v2.d[0]
	ldp	d2, d25, [x0, #32]
	fmul	v26.2d, v4.2d, v2.d[0]
	fmul	v5.2d, v5.2d, v25.d[0]
	fmul	v21.2d, v21.2d, v2.d[0]
	fmul	v23.2d, v23.2d, v25.d[0]
	movi	v2.2d, #0000000000000000
	fadd	v4.2d, v7.2d, v2.2d
	fadd	v7.2d, v4.2d, v16.2d
	ldp	q4, q16, [x1, #80]
	fmul	v25.2d, v16.2d, v18.d[0]
	fadd	v22.2d, v22.2d, v2.2d
	fadd	v26.2d, v26.2d, v2.2d
	fadd	v22.2d, v22.2d, v24.2d
	fadd	v5.2d, v26.2d, v5.2d
	ldp	q26, q24, [x1, #64]
	fmul	v17.2d, v24.2d, v17.d[0]
	fadd	v7.2d, v7.2d, v20.2d
	fadd	v17.2d, v22.2d, v17.2d
	ldp	d20, d22, [x0, #48]
	fmul	v19.2d, v19.2d, v20.d[0]
	fadd	v5.2d, v5.2d, v19.2d
	fadd	v7.2d, v7.2d, v25.2d
	ldp	q25, q19, [x1, #96]
	fmul	v18.2d, v19.2d, v18.d[0]
	fadd	v17.2d, v17.2d, v18.2d
	fmul	v16.2d, v16.2d, v22.d[0]
	fadd	v5.2d, v5.2d, v16.2d
	fadd	v16.2d, v21.2d, v2.2d
	fadd	v16.2d, v16.2d, v23.2d
	fmul	v18.2d, v24.2d, v20.d[0]
	fadd	v16.2d, v16.2d, v18.2d
	fmul	v18.2d, v19.2d, v22.d[0]
	stp	q7, q17, [x2]
	fadd	v7.2d, v16.2d, v18.2d
	stp	q5, q7, [x2, #32]
	ldp	d5, d7, [x0, #64]
	fmul	v16.2d, v6.2d, v5.d[0]
	fadd	v16.2d, v16.2d, v2.2d
	fmul	v17.2d, v3.2d, v7.d[0]
	fadd	v16.2d, v16.2d, v17.2d
	ldp	d17, d18, [x0, #80]
	fmul	v19.2d, v26.2d, v17.d[0]
	fadd	v16.2d, v16.2d, v19.2d
	fmul	v19.2d, v25.2d, v18.d[0]
	fadd	v16.2d, v16.2d, v19.2d
	fmul	v5.2d, v0.2d, v5.d[0]
	fadd	v5.2d, v5.2d, v2.2d
	fmul	v7.2d, v1.2d, v7.d[0]
	fadd	v5.2d, v5.2d, v7.2d
	fmul	v7.2d, v4.2d, v17.d[0]
	fadd	v5.2d, v5.2d, v7.2d
	ldr	q7, [x1, #112]
	fmul	v17.2d, v7.2d, v18.d[0]
	fadd	v5.2d, v5.2d, v17.2d
	stp	q16, q5, [x2, #64]
	ldp	d5, d16, [x0, #96]
	fmul	v6.2d, v6.2d, v5.d[0]
	fadd	v6.2d, v6.2d, v2.2d
	fmul	v3.2d, v3.2d, v16.d[0]
	fadd	v3.2d, v6.2d, v3.2d
	ldp	d6, d17, [x0, #112]
	fmul	v18.2d, v26.2d, v6.d[0]
	fadd	v3.2d, v3.2d, v18.2d
	fmul	v18.2d, v25.2d, v17.d[0]
	fadd	v3.2d, v3.2d, v18.2d
	fmul	v0.2d, v0.2d, v5.d[0]
	fadd	v0.2d, v0.2d, v2.2d
	fmul	v1.2d, v1.2d, v16.d[0]
	fadd	v0.2d, v0.2d, v1.2d
	fmul	v1.2d, v4.2d, v6.d[0]
	fadd	v0.2d, v0.2d, v1.2d
	fmul	v1.2d, v7.2d, v17.d[0]
	fadd	v0.2d, v0.2d, v1.2d
	stp	q3, q0, [x2, #96]
	ret
.Lfunc_end9:
	.size	matmul4, .Lfunc_end9-matmul4

	.section	.text.mixed,"ax",@progbits
	.globl	mixed
	.p2align	4
	.type	mixed,@function
mixed:
	ldp	s0, s1, [x0]
	scvtf	s0, s0
	ldp	s2, s3, [x1]
	fmul	s0, s2, s0
	movi	d2, #0000000000000000
	fadd	s0, s0, s2
	scvtf	s1, s1
	fmul	s1, s3, s1
	fadd	s0, s0, s1
	ldp	s1, s2, [x0, #8]
	scvtf	s1, s1
	ldp	s3, s4, [x1, #8]
	fmul	s1, s3, s1
	fadd	s0, s0, s1
	scvtf	s1, s2
	fmul	s1, s4, s1
	fadd	s0, s0, s1
	ldp	d1, d2, [x0, #16]
	scvtf	v1.2s, v1.2s
	ldp	d3, d4, [x1, #16]
	fmul	v1.2s, v3.2s, v1.2s
	fadd	s0, s0, s1
	mov	s1, v1.s[1]
	fadd	s0, s0, s1
	scvtf	v1.2s, v2.2s
	fmul	v1.2s, v4.2s, v1.2s
	mov	s2, v1.s[1]
	fadd	s0, s0, s1
	fadd	s0, s0, s2
	ldp	d1, d2, [x0, #32]
	scvtf	v1.2s, v1.2s
	ldp	d3, d4, [x1, #32]
	fmul	v1.2s, v3.2s, v1.2s
	fadd	s0, s0, s1
	mov	s1, v1.s[1]
	fadd	s0, s0, s1
	scvtf	v1.2s, v2.2s
	fmul	v1.2s, v4.2s, v1.2s
	mov	s2, v1.s[1]
	fadd	s0, s0, s1
	fadd	s0, s0, s2
	ldp	d1, d2, [x0, #48]
	scvtf	v1.2s, v1.2s
	ldp	d3, d4, [x1, #48]
	fmul	v1.2s, v3.2s, v1.2s
	fadd	s0, s0, s1
	mov	s1, v1.s[1]
	fadd	s0, s0, s1
	scvtf	v1.2s, v2.2s
	fmul	v1.2s, v4.2s, v1.2s
	mov	s2, v1.s[1]
	fadd	s0, s0, s1
	fadd	s0, s0, s2
	ret
.Lfunc_end10:
	.size	mixed, .Lfunc_end10-mixed

	.section	.rodata.cst16,"aM",@progbits,16
	.p2align	4, 0x0
.LCPI11_0:
	.xword	0x8000000000000000
	.xword	0x3fe0000000000000
	.section	.text.round_all,"ax",@progbits
	.globl	round_all
	.p2align	4
	.type	round_all,@function
round_all:
	adrp	x9, .LCPI11_0
	ldr	q1, [x9, :lo12:.LCPI11_0]
	dup	v2.2d, v0.d[0]
	fadd	v1.2d, v2.2d, v1.2d
	fcvtzs	v1.2d, v1.2d
	scvtf	v1.2d, v1.2d
	fmov	d2, #-1.00000000
	fcmp	d0, d1
	fmov	d0, #1.00000000
	fadd	d2, d1, d2
	fadd	d0, d1, d0
	fcsel	d2, d2, d1, mi
	fcsel	d0, d0, d1, gt
	stp	d2, d0, [x8]
	str	q1, [x8, #16]
	ret
.Lfunc_end11:
	.size	round_all, .Lfunc_end11-round_all

	.section	.text.saxpy,"ax",@progbits
	.globl	saxpy
	.p2align	4
	.type	saxpy,@function
saxpy:
	ldp	q1, q2, [x0]
	fmul	v1.4s, v1.4s, v0.s[0]
	ldp	q3, q4, [x0, #32]
	fmul	v2.4s, v2.4s, v0.s[0]
	fmul	v3.4s, v3.4s, v0.s[0]
	ldp	q5, q6, [x0, #64]
	fmul	v4.4s, v4.4s, v0.s[0]
	fmul	v5.4s, v5.4s, v0.s[0]
	ldp	q7, q16, [x1]
	fadd	v1.4s, v1.4s, v7.4s
	fadd	v2.4s, v2.4s, v16.4s
	ldp	q7, q16, [x1, #32]
	fadd	v3.4s, v3.4s, v7.4s
	fadd	v4.4s, v4.4s, v16.4s
	ldp	q7, q16, [x1, #64]
	fadd	v5.4s, v5.4s, v7.4s
	fmul	v6.4s, v6.4s, v0.s[0]
	fadd	v6.4s, v6.4s, v16.4s
	stp	q1, q2, [x1]
	stp	q3, q4, [x1, #32]
	stp	q5, q6, [x1, #64]
	ldp	q1, q2, [x0, #96]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #96]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #96]
	ldp	q1, q2, [x0, #128]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #128]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #128]
	ldp	q1, q2, [x0, #160]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #160]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #160]
	ldp	q1, q2, [x0, #192]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #192]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #192]
	ldp	q1, q2, [x0, #224]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #224]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #224]
	ldp	q1, q2, [x0, #256]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #256]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #256]
	ldp	q1, q2, [x0, #288]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #288]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #288]
	ldp	q1, q2, [x0, #320]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #320]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #320]
	ldp	q1, q2, [x0, #352]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #352]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #352]
	ldp	q1, q2, [x0, #384]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #384]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #384]
	ldp	q1, q2, [x0, #416]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #416]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #416]
	ldp	q1, q2, [x0, #448]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v2.4s, v2.4s, v0.s[0]
	ldp	q3, q4, [x1, #448]
	fadd	v1.4s, v1.4s, v3.4s
	fadd	v2.4s, v2.4s, v4.4s
	stp	q1, q2, [x1, #448]
	ldp	q1, q2, [x0, #480]
	fmul	v1.4s, v1.4s, v0.s[0]
	fmul	v0.4s, v2.4s, v0.s[0]
	ldp	q2, q3, [x1, #480]
	fadd	v1.4s, v1.4s, v2.4s
	fadd	v0.4s, v0.4s, v3.4s
	stp	q1, q0, [x1, #480]
	ret
.Lfunc_end12:
	.size	saxpy, .Lfunc_end12-saxpy

	.section	.text.select,"ax",@progbits
	.globl	select
	.p2align	4
	.type	select,@function
select:
	fabs	s0, s0
	fneg	s1, s1
	cmp	w0, #0
	fcsel	s0, s0, s1, ne
	ret
.Lfunc_end13:
	.size	select, .Lfunc_end13-select

	.section	.text.u16_max,"ax",@progbits
	.globl	u16_max
	.p2align	4
	.type	u16_max,@function
u16_max:
	ldp	q0, q1, [x0, #64]
	ldp	q2, q3, [x0]
	ldp	q4, q5, [x0, #96]
	ldp	q6, q7, [x0, #32]
	umax	v5.8h, v7.8h, v5.8h
	umax	v1.8h, v3.8h, v1.8h
	umax	v1.8h, v1.8h, v5.8h
	umax	v3.8h, v6.8h, v4.8h
	umax	v0.8h, v2.8h, v0.8h
	umax	v0.8h, v0.8h, v3.8h
	umax	v0.8h, v0.8h, v1.8h
	umaxv	h0, v0.8h
	fmov	w0, s0
	ret
.Lfunc_end14:
	.size	u16_max, .Lfunc_end14-u16_max

	.section	.text.zero_big,"ax",@progbits
	.globl	zero_big
	.p2align	4
	.type	zero_big,@function
zero_big:
	movi	v0.2d, #0000000000000000
	stp	q0, q0, [x0, #96]
	stp	q0, q0, [x0, #64]
	stp	q0, q0, [x0, #32]
	stp	q0, q0, [x0]
	ret
.Lfunc_end15:
	.size	zero_big, .Lfunc_end15-zero_big

	.ident	"rustc version 1.96.0 (ac68faa20 2026-05-25) (built from a source tarball)"
	.section	".note.GNU-stack","",@progbits
