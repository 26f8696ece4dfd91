#include "textflag.h"

// func condStepAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)
// n must be a multiple of 4. Each constant of k is stored four times
// (32 bytes), in the order of the fields of condConsts. The operations are
// those of condStepGo, in the same order, without fused multiply-adds.
TEXT ·condStepAVX2(SB), NOSPLIT, $0-88
	MOVQ k+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ ge+16(FP), R8
	MOVQ gi+24(FP), R9
	MOVQ u+32(FP), R10
	MOVQ ref+40(FP), R11
	MOVQ vold+48(FP), R12
	MOVQ as+56(FP), R13
	MOVQ bs+64(FP), R14
	MOVQ flags+72(FP), R15
	MOVQ n+80(FP), CX
	XORQ AX, AX
	XORQ DX, DX                // flags index
	VPXOR X15, X15, X15        // zero

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPD (R8)(AX*8), Y0     // ge
	VMOVUPD (R9)(AX*8), Y1     // gi
	VMULPD  0(DI), Y0, Y2      // a = ce·ge
	VMULPD  32(DI), Y1, Y3     // b = ci·gi
	VMULPD  64(DI), Y0, Y0     // ge·de
	VMOVUPD Y0, (R8)(AX*8)
	VMULPD  96(DI), Y1, Y1     // gi·di
	VMOVUPD Y1, (R9)(AX*8)
	VMOVUPD Y2, (R13)(AX*8)    // as
	VMOVUPD Y3, (R14)(AX*8)    // bs
	VADDPD  256(DI), Y2, Y4    // one + a
	VADDPD  Y3, Y4, Y4         // g = (one + a) + b
	VMULPD  128(DI), Y4, Y5    // x = dtTau·g
	VMULPD  Y5, Y5, Y6         // x2
	VMULPD  320(DI), Y5, Y7    // x·c3
	VMOVUPD 288(DI), Y8
	VSUBPD  Y7, Y8, Y7         // t2 = c2 − x·c3
	VMULPD  384(DI), Y5, Y8    // x·c5
	VMOVUPD 352(DI), Y9
	VSUBPD  Y8, Y9, Y8         // t3 = c4 − x·c5
	VMULPD  Y8, Y6, Y8         // x2·t3
	VADDPD  Y8, Y7, Y7         // t2 += x2·t3
	VMULPD  Y7, Y6, Y7         // x2·t2
	VMOVUPD 256(DI), Y9
	VSUBPD  Y5, Y9, Y9         // t1 = one − x
	VADDPD  Y7, Y9, Y9         // e = t1 + x2·t2
	VMULPD  192(DI), Y2, Y10   // a·ee
	VADDPD  160(DI), Y10, Y10  // vrest + a·ee
	VMULPD  224(DI), Y3, Y11   // b·ei
	VADDPD  Y11, Y10, Y10      // num
	VDIVPD  Y4, Y10, Y10       // vinf = num/g
	VMOVUPD (SI)(AX*8), Y11    // vo = v
	VMOVUPD Y11, (R12)(AX*8)   // vold
	VSUBPD  Y10, Y11, Y12      // vo − vinf
	VMULPD  Y9, Y12, Y12       // (vo − vinf)·e
	VADDPD  Y12, Y10, Y10      // vn = vinf + (vo − vinf)·e
	VCMPPD  $0x1D, 480(DI), Y5, Y6 // x ≥ xmax (GE_OQ)
	VMOVDQU (R11)(AX*4), X7    // ref, 4 × int32
	VPCMPGTD X15, X7, X7       // ref > 0
	VPMOVSXDQ X7, Y7           // widen the lanes to 64 bits
	VORPD   Y7, Y6, Y6         // hold = refractory or x ≥ xmax
	VBLENDVPD Y6, Y11, Y10, Y13 // hold ? vo : vn
	VMOVUPD Y13, (SI)(AX*8)
	VMOVUPD 448(DI), Y0
	VMULPD  (R10)(AX*8), Y0, Y0 // ths·u
	VADDPD  416(DI), Y0, Y0    // thr + ths·u
	VCMPPD  $0x1E, Y0, Y10, Y0 // vn > threshold (GT_OQ)
	VORPD   Y6, Y0, Y0
	VMOVMSKPD Y0, BX
	MOVB    BX, (R15)(DX*1)
	ADDQ    $4, AX
	INCQ    DX
	JMP     loop

done:
	VZEROUPPER
	RET

// func condStepEulerAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)
// The forward-Euler pass (ce = ci = 1): a = ge, b = gi, and
// vn = vo + dtTau·(num − g·vo), Brian's v + dt/τm·(…) without a division;
// otherwise the operations of condStepAVX2. The same bits as condStepGo with
// k.euler.
TEXT ·condStepEulerAVX2(SB), NOSPLIT, $0-88
	MOVQ k+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ ge+16(FP), R8
	MOVQ gi+24(FP), R9
	MOVQ u+32(FP), R10
	MOVQ ref+40(FP), R11
	MOVQ vold+48(FP), R12
	MOVQ as+56(FP), R13
	MOVQ bs+64(FP), R14
	MOVQ flags+72(FP), R15
	MOVQ n+80(FP), CX
	XORQ AX, AX
	XORQ DX, DX                // flags index
	VPXOR X15, X15, X15        // zero

eloop:
	CMPQ AX, CX
	JGE  edone
	VMOVUPD (R8)(AX*8), Y0     // ge
	VMOVUPD (R9)(AX*8), Y1     // gi
	VMOVAPD Y0, Y2             // a = ge (ce = 1)
	VMOVAPD Y1, Y3             // b = gi (ci = 1)
	VMULPD  64(DI), Y0, Y0     // ge·de
	VMOVUPD Y0, (R8)(AX*8)
	VMULPD  96(DI), Y1, Y1     // gi·di
	VMOVUPD Y1, (R9)(AX*8)
	VMOVUPD Y2, (R13)(AX*8)    // as
	VMOVUPD Y3, (R14)(AX*8)    // bs
	VADDPD  256(DI), Y2, Y4    // one + a
	VADDPD  Y3, Y4, Y4         // g = (one + a) + b
	VMULPD  128(DI), Y4, Y5    // x = dtTau·g
	VMULPD  192(DI), Y2, Y10   // a·ee
	VADDPD  160(DI), Y10, Y10  // vrest + a·ee
	VMULPD  224(DI), Y3, Y11   // b·ei
	VADDPD  Y11, Y10, Y10      // num
	VMOVUPD (SI)(AX*8), Y11    // vo = v
	VMOVUPD Y11, (R12)(AX*8)   // vold
	VMULPD  Y11, Y4, Y12       // g·vo
	VSUBPD  Y12, Y10, Y12      // num − g·vo
	VMULPD  128(DI), Y12, Y12  // dtTau·(num − g·vo)
	VADDPD  Y12, Y11, Y10      // vn = vo + dtTau·(num − g·vo)
	VCMPPD  $0x1D, 480(DI), Y5, Y6 // x ≥ xmax (GE_OQ)
	VMOVDQU (R11)(AX*4), X7    // ref, 4 × int32
	VPCMPGTD X15, X7, X7       // ref > 0
	VPMOVSXDQ X7, Y7           // widen the lanes to 64 bits
	VORPD   Y7, Y6, Y6         // hold = refractory or x ≥ xmax
	VBLENDVPD Y6, Y11, Y10, Y13 // hold ? vo : vn
	VMOVUPD Y13, (SI)(AX*8)
	VMOVUPD 448(DI), Y0
	VMULPD  (R10)(AX*8), Y0, Y0 // ths·u
	VADDPD  416(DI), Y0, Y0    // thr + ths·u
	VCMPPD  $0x1E, Y0, Y10, Y0 // vn > threshold (GT_OQ)
	VORPD   Y6, Y0, Y0
	VMOVMSKPD Y0, BX
	MOVB    BX, (R15)(DX*1)
	ADDQ    $4, AX
	INCQ    DX
	JMP     eloop

edone:
	VZEROUPPER
	RET

// func scatterAdd(ring *float64, offs *int32, src *float64, n int)
// ring[offs[j]] += src[j] for j < n; the caller checks the offsets.
TEXT ·scatterAdd(SB), NOSPLIT, $0-32
	MOVQ ring+0(FP), DI
	MOVQ offs+8(FP), SI
	MOVQ src+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-2, BX

pair:
	CMPQ    AX, BX
	JGE     tail
	MOVLQSX (SI)(AX*4), R8
	MOVLQSX 4(SI)(AX*4), R9
	MOVSD   (DX)(AX*8), X0
	MOVSD   8(DX)(AX*8), X1
	ADDSD   (DI)(R8*8), X0
	MOVSD   X0, (DI)(R8*8)
	ADDSD   (DI)(R9*8), X1
	MOVSD   X1, (DI)(R9*8)
	ADDQ    $2, AX
	JMP     pair

tail:
	CMPQ    AX, CX
	JGE     done2
	MOVLQSX (SI)(AX*4), R8
	MOVSD   (DX)(AX*8), X0
	ADDSD   (DI)(R8*8), X0
	MOVSD   X0, (DI)(R8*8)

done2:
	RET

// func drainAVX2(dst, lo, hi *float64, n int)
// dst[j] += lo[j] + hi[j]; lo[j] = hi[j] = 0, for j < n (n a multiple of 4).
TEXT ·drainAVX2(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   lo+8(FP), SI
	MOVQ   hi+16(FP), DX
	MOVQ   n+24(FP), CX
	XORQ   AX, AX
	VXORPD Y3, Y3, Y3

dloop:
	CMPQ    AX, CX
	JGE     ddone
	VMOVUPD (SI)(AX*8), Y0
	VADDPD  (DX)(AX*8), Y0, Y0 // lo + hi
	VADDPD  (DI)(AX*8), Y0, Y0 // dst + (lo + hi)
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y3, (SI)(AX*8)
	VMOVUPD Y3, (DX)(AX*8)
	ADDQ    $4, AX
	JMP     dloop

ddone:
	VZEROUPPER
	RET
