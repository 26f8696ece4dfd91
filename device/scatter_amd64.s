#include "textflag.h"

// func scatterPairsAVX2(ring *[2]float64, offs *int32, row *float64, n int, k *scatterConsts, lim int, sums *[4]float64) (bad int)
//
// For j < n (a multiple of 4): ring[offs[j]] += (alpha·g_j − beta, (as2·g_j)·g_j), four
// columns' arithmetic at a time, and sums[j mod 4] += g_j. A first pass takes the largest
// offset as an unsigned number (a negative one is huge), eight at a time: if it is not below
// lim, nothing is written and the result is 0 (the caller finds the column); else −1. The
// second pass then needs no test per column.
TEXT ·scatterPairsAVX2(SB), NOSPLIT, $0-64
	MOVQ ring+0(FP), DI
	MOVQ offs+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), R8
	MOVQ lim+40(FP), R9
	MOVQ sums+48(FP), R10

	// Pass 1: max over the offsets.
	VPXOR Y10, Y10, Y10
	XORQ  AX, AX
	MOVQ  CX, BX
	ANDQ  $-8, BX              // the part in blocks of eight
chk8:
	CMPQ AX, BX
	JGE  chk4
	VPMAXUD (SI)(AX*4), Y10, Y10
	ADDQ $8, AX
	JMP  chk8
chk4:
	CMPQ AX, CX
	JGE  chkdone
	VPMAXUD (SI)(AX*4), X10, X11 // the last four (n is a multiple of 4)
	VINSERTI128 $0, X11, Y10, Y10
chkdone:
	VEXTRACTI128 $1, Y10, X11
	VPMAXUD X11, X10, X10
	VPSHUFD $0x4e, X10, X11
	VPMAXUD X11, X10, X10
	VPSHUFD $0xb1, X10, X11
	VPMAXUD X11, X10, X10
	VMOVD   X10, R11           // zero-extended: the largest offset, unsigned
	CMPQ    R11, R9
	JAE     bad

	// Pass 2: the scatter.
	VBROADCASTSD 0(R8), Y6     // alpha
	VBROADCASTSD 8(R8), Y7     // beta
	VBROADCASTSD 16(R8), Y8    // as2
	VMOVUPD (R10), Y9          // partial sums
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  ok
	MOVLQSX 0(SI)(AX*4), R11
	MOVLQSX 4(SI)(AX*4), R12
	MOVLQSX 8(SI)(AX*4), R13
	MOVLQSX 12(SI)(AX*4), R14
	VMOVUPD (DX)(AX*8), Y0     // g
	VADDPD  Y0, Y9, Y9
	VMULPD  Y6, Y0, Y1         // alpha·g
	VSUBPD  Y7, Y1, Y1         // − beta
	VMULPD  Y8, Y0, Y2         // as2·g
	VMULPD  Y0, Y2, Y2         // ·g
	VUNPCKLPD Y2, Y1, Y3       // (w0, v0 | w2, v2)
	VUNPCKHPD Y2, Y1, Y4       // (w1, v1 | w3, v3)
	SHLQ $4, R11
	SHLQ $4, R12
	SHLQ $4, R13
	SHLQ $4, R14
	VADDPD (DI)(R11*1), X3, X5
	VMOVUPD X5, (DI)(R11*1)
	VADDPD (DI)(R12*1), X4, X5
	VMOVUPD X5, (DI)(R12*1)
	VEXTRACTF128 $1, Y3, X3
	VEXTRACTF128 $1, Y4, X4
	VADDPD (DI)(R13*1), X3, X5
	VMOVUPD X5, (DI)(R13*1)
	VADDPD (DI)(R14*1), X4, X5
	VMOVUPD X5, (DI)(R14*1)
	ADDQ $4, AX
	JMP  loop

ok:
	VMOVUPD Y9, (R10)
	VZEROUPPER
	MOVQ $-1, bad+56(FP)
	RET

bad:
	VZEROUPPER
	MOVQ $0, bad+56(FP)
	RET
