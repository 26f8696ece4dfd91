#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func condArithAVX2(k *condConsts, v, ge, gi, vn, xs, as, bs *float64, n int)
// n must be a multiple of 4. Each constant of k is stored four times
// (32 bytes), in the order of the fields of condConsts. The operations are
// those of condArithGo, in the same order, without fused multiply-adds.
TEXT ·condArithAVX2(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ ge+16(FP), R8
	MOVQ gi+24(FP), R9
	MOVQ vn+32(FP), R10
	MOVQ xs+40(FP), R11
	MOVQ as+48(FP), R12
	MOVQ bs+56(FP), R13
	MOVQ n+64(FP), CX
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMOVUPD (R8)(AX*8), Y0   // ge
	VMOVUPD (R9)(AX*8), Y1   // gi
	VMULPD  0(DI), Y0, Y2    // a = ce·ge
	VMULPD  32(DI), Y1, Y3   // b = ci·gi
	VMULPD  64(DI), Y0, Y0   // ge·de
	VMOVUPD Y0, (R8)(AX*8)
	VMULPD  96(DI), Y1, Y1   // gi·di
	VMOVUPD Y1, (R9)(AX*8)
	VMOVUPD Y2, (R12)(AX*8)  // as
	VMOVUPD Y3, (R13)(AX*8)  // bs
	VADDPD  256(DI), Y2, Y4  // one + a
	VADDPD  Y3, Y4, Y4       // g = (one + a) + b
	VMULPD  128(DI), Y4, Y5  // x = dtTau·g
	VMOVUPD Y5, (R11)(AX*8)  // xs
	VMULPD  Y5, Y5, Y6       // x2
	VMULPD  320(DI), Y5, Y7  // x·c3
	VMOVUPD 288(DI), Y8
	VSUBPD  Y7, Y8, Y7       // t2 = c2 − x·c3
	VMULPD  384(DI), Y5, Y8  // x·c5
	VMOVUPD 352(DI), Y9
	VSUBPD  Y8, Y9, Y8       // t3 = c4 − x·c5
	VMULPD  Y8, Y6, Y8       // x2·t3
	VADDPD  Y8, Y7, Y7       // t2 += x2·t3
	VMULPD  Y7, Y6, Y7       // x2·t2
	VMOVUPD 256(DI), Y9
	VSUBPD  Y5, Y9, Y9       // t1 = one − x
	VADDPD  Y7, Y9, Y9       // e = t1 + x2·t2
	VMULPD  192(DI), Y2, Y10 // a·ee
	VADDPD  160(DI), Y10, Y10 // vrest + a·ee
	VMULPD  224(DI), Y3, Y11 // b·ei
	VADDPD  Y11, Y10, Y10    // num
	VDIVPD  Y4, Y10, Y10     // vinf = num/g
	VMOVUPD (SI)(AX*8), Y11  // v
	VSUBPD  Y10, Y11, Y11    // v − vinf
	VMULPD  Y9, Y11, Y11     // (v − vinf)·e
	VADDPD  Y11, Y10, Y10    // vinf + (v − vinf)·e
	VMOVUPD Y10, (R10)(AX*8) // vn
	ADDQ    $4, AX
	JMP     loop

done:
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
