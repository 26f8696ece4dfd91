#include "textflag.h"

// func scatterPairsAVX2(ring *[2]float64, offs *int32, row *float64, n int, k *scatterConsts, lim int, sums *[4]float64) (bad int)
//
// For j < n (a multiple of 4): ring[offs[j]] += (alpha·g_j − beta, (as2·g_j)·g_j), four
// columns' arithmetic at a time, and sums[j mod 4] += g_j. It returns the first j whose offset
// is not in [0, lim), having written nothing for it or after it, or −1.
TEXT ·scatterPairsAVX2(SB), NOSPLIT, $0-64
	MOVQ ring+0(FP), DI
	MOVQ offs+8(FP), SI
	MOVQ row+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), R8
	MOVQ lim+40(FP), R9
	MOVQ sums+48(FP), R10
	VBROADCASTSD 0(R8), Y6     // alpha
	VBROADCASTSD 8(R8), Y7     // beta
	VBROADCASTSD 16(R8), Y8    // as2
	VMOVUPD (R10), Y9          // partial sums
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  ok
	// Check the four offsets first, so a bad one stops before any write of its group.
	MOVLQSX 0(SI)(AX*4), R11
	CMPQ R11, R9
	JAE  bad0
	MOVLQSX 4(SI)(AX*4), R12
	CMPQ R12, R9
	JAE  bad1
	MOVLQSX 8(SI)(AX*4), R13
	CMPQ R13, R9
	JAE  bad2
	MOVLQSX 12(SI)(AX*4), R14
	CMPQ R14, R9
	JAE  bad3
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

bad3:
	INCQ AX
bad2:
	INCQ AX
bad1:
	INCQ AX
bad0:
	VMOVUPD Y9, (R10)
	VZEROUPPER
	MOVQ AX, bad+56(FP)
	RET
