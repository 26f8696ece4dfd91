#include <cstdio>
#include <iostream>
#include <random>
#include <vector>
#include "Cell.h"
#include "Array.h"
#include "formula.h"
#include "NeuroSim.h"
#include "Param.h"
#include "IO.h"
#include "Train.h"
#include "Test.h"
#include "Mapping.h"
#include "Definition.h"
using namespace std;
static void leakBreak(const char* name, SubArray* sa){
  printf("[%s leak] total=%.6e wlDecoder=%.4e wlDecoderOutput=%.4e wlSM=%.4e blSM=%.4e slSM=%.4e mux=%.4e muxDec=%.4e readCircuit=%.4e subtractor=%.4e shiftAdd=%.4e\n", name, sa->leakage,
   sa->wlDecoder.leakage, sa->wlDecoderOutput.leakage, sa->wlSwitchMatrix.leakage, sa->blSwitchMatrix.leakage, sa->slSwitchMatrix.leakage, sa->mux.leakage, sa->muxDecoder.leakage, sa->readCircuit.leakage, sa->subtractor.leakage, sa->shiftAdd.leakage);
}
int main(int argc, char**argv) {
	gen.seed(0);
	int N = 128;
	if (argc < 2) {
	// ---- default MLP config leakage breakdown ----
	arrayIH->Initialization<RealDevice>();
	arrayHO->Initialization<RealDevice>();
	param->relaxArrayCellWidth = 0;
	NeuroSimSubArrayInitialize(subArrayIH, arrayIH, inputParameterIH, techIH, cellIH);
	param->relaxArrayCellWidth = 1;
	NeuroSimSubArrayInitialize(subArrayHO, arrayHO, inputParameterHO, techHO, cellHO);
	NeuroSimSubArrayArea(subArrayIH); NeuroSimSubArrayArea(subArrayHO);
	NeuroSimSubArrayLeakagePower(subArrayIH); NeuroSimSubArrayLeakagePower(subArrayHO);
	leakBreak("IH 1T1R 400x100", subArrayIH); leakBreak("HO 1T1R 100x10", subArrayHO);
	NeuroSimNeuronInitialize(subArrayIH, inputParameterIH, techIH, cellIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH);
	double h,w; NeuroSimNeuronArea(subArrayIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH, &h, &w);
	double lN = NeuroSimNeuronLeakagePower(subArrayIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH);
	printf("[NeuronIH leak] total=%.6e adder=%.4e mux=%.4e muxDec=%.4e dff=%.4e sub=%.4e (adder numBit=%d numAdder=%d dff numDff=%d)\n", lN, adderIH.leakage, muxIH.leakage, muxDecoderIH.leakage, dffIH.leakage, subtractorIH.leakage, adderIH.numBit, adderIH.numAdder, dffIH.numDff);
	printf("[IH readCircuit] numReadCol=%d numDff=%d Vrow=%g Vcol=%g leakage=%.6e\n", subArrayIH->readCircuit.numReadCol, subArrayIH->readCircuit.numDff, subArrayIH->readCircuit.Vrow, subArrayIH->readCircuit.Vcol, subArrayIH->readCircuit.leakage);
	printf("[IH blSM] numOutput=%d resTg=%.6e widthTgN=%.6e widthTgP=%.6e capTgGateN=%.6e capTgGateP=%.6e capTgDrain=%.6e activityRowRead=%g\n", subArrayIH->blSwitchMatrix.numOutput, subArrayIH->blSwitchMatrix.resTg, subArrayIH->blSwitchMatrix.widthTgN, subArrayIH->blSwitchMatrix.widthTgP, subArrayIH->blSwitchMatrix.capTgGateN, subArrayIH->blSwitchMatrix.capTgGateP, subArrayIH->blSwitchMatrix.capTgDrain, subArrayIH->blSwitchMatrix.activityRowRead);

	return 0; }
	// ---- 128x128 analog cross-point (cmosAccess=false) ----
	printf("param->numColMuxed=%d numWriteColMuxed=%d\n", param->numColMuxed, param->numWriteColMuxed);
	Array *arr = new Array(N, N, 100);
	arr->Initialization<RealDevice>();
	for (int c=0;c<N+2;c++) for (int r=0;r<N;r++){ eNVM* e = static_cast<eNVM*>(arr->cell[c][r]); e->cmosAccess=false; e->heightInFeatureSize=2; e->widthInFeatureSize=2; }
	SubArray *sa; InputParameter ip; Technology tech; MemCell cell;
	param->relaxArrayCellWidth = 0;
	NeuroSimSubArrayInitialize(sa, arr, ip, tech, cell);
	NeuroSimSubArrayArea(sa);
	NeuroSimSubArrayLeakagePower(sa);
	printf("\n[XP128] numRow=%d numCol=%d lengthRow=%.6e lengthCol=%.6e capRow1=%.6e capCol=%.6e resRow=%.6e resCol=%.6e cell.readVoltage=%g writeVoltage=%.6g resOn=%.6e resOff=%.6e resAvg=%.6e\n", sa->numRow, sa->numCol, sa->lengthRow, sa->lengthCol, sa->capRow1, sa->capCol, sa->resRow, sa->resCol, sa->cell.readVoltage, sa->cell.writeVoltage, sa->cell.resistanceOn, sa->cell.resistanceOff, sa->cell.resistanceAvg);
	printf("[XP128] area=%.6e usedArea=%.6e\n", sa->area, sa->usedArea);
	leakBreak("XP128", sa);
	printf("[XP128 wlSM] numOutput=%d resTg=%.6e widthTgN=%.6e widthTgP=%.6e capTgGateN=%.6e capTgGateP=%.6e capTgDrain=%.6e dff.numDff=%d\n", sa->wlSwitchMatrix.numOutput, sa->wlSwitchMatrix.resTg, sa->wlSwitchMatrix.widthTgN, sa->wlSwitchMatrix.widthTgP, sa->wlSwitchMatrix.capTgGateN, sa->wlSwitchMatrix.capTgGateP, sa->wlSwitchMatrix.capTgDrain, sa->wlSwitchMatrix.dff.numDff);
	printf("[XP128 blSM] numOutput=%d resTg=%.6e capTgGateN=%.6e capTgGateP=%.6e capTgDrain=%.6e\n", sa->blSwitchMatrix.numOutput, sa->blSwitchMatrix.resTg, sa->blSwitchMatrix.capTgGateN, sa->blSwitchMatrix.capTgGateP, sa->blSwitchMatrix.capTgDrain);
	printf("[XP128 mux] numInput=%d numSel=%d capTgGateN=%.6e capTgGateP=%.6e\n", sa->mux.numInput, sa->mux.numSelection, sa->mux.capTgGateN, sa->mux.capTgGateP);
	{ DFF &f = sa->wlSwitchMatrix.dff; printf("[XP128 wlSM.dff] numDff=%d widthInvN=%.4e widthInvP=%.4e capInvInput=%.6e capInvOutput=%.6e capTgGateN=%.6e capTgGateP=%.6e capTgDrain=%.6e\n", f.numDff, f.widthInvN, f.widthInvP, f.capInvInput, f.capInvOutput, f.capTgGateN, f.capTgGateP, f.capTgDrain); f.CalculatePower(1,1); printf("[XP128 wlSM.dff] CalculatePower(numRead=1,numDffPerOp=1): readDynamicEnergy=%.6e leakage=%.6e\n", f.readDynamicEnergy, f.leakage); }
	NeuroSimSubArrayReadLatency(sa);
	double e = NeuroSimSubArrayReadEnergy(sa);
	printf("[XP128] NeuroSimSubArrayReadEnergy=%.6e J (wlSM=%.4e [dff=%.4e] mux=%.4e muxDec=%.4e readCircuit=%.4e subtractor=%.4e shiftAdd=%.4e)\n", e, sa->wlSwitchMatrix.readDynamicEnergy, sa->wlSwitchMatrix.dff.readDynamicEnergy, sa->mux.readDynamicEnergy, sa->muxDecoder.readDynamicEnergy, sa->readCircuit.readDynamicEnergy, sa->subtractor.readDynamicEnergy, sa->shiftAdd.readDynamicEnergy);
	sa->numWritePulse = 8;
	double ew = NeuroSimSubArrayWriteEnergy(sa, 1, 0);
	printf("[XP128] NeuroSimSubArrayWriteEnergy(numWriteOperationPerRow=1,numWritePulse=8)=%.6e J (wlSM=%.4e blSM=%.4e)\n", ew, sa->wlSwitchMatrix.writeDynamicEnergy, sa->blSwitchMatrix.writeDynamicEnergy);
	// array-level energy per MLP Test.cpp: one column read with k active rows, cells at Gmin / Gmax
	RealDevice *d = static_cast<RealDevice*>(arr->cell[0][0]);
	double Vr = d->readVoltage, tr = d->readPulseWidth;
	for (int k : {1, 64, 128}) {
	  double eWire = arr->wireCapRow * Vr * Vr * k;
	  double I = 0; for (int r=0;r<k;r++) I += arr->ReadCell(0, r);
	  printf("[XP128 Test.cpp-style, col 0, %d active rows, G=Gmin=%.4e] wire=%.6e cell=%.6e total=%.6e\n", k, d->conductance, eWire, I*Vr*tr, eWire + I*Vr*tr);
	}
	// single-cell write energy: one LTP step of numPulse from Gmin, crossbar (cmosAccess=false), nonlinearIV=false
	d->Write(8.0/97*2, 0, -1, 1);  // deltaWeight normalized: 8 pulses
	d->WriteEnergyCalculation(arr->wireCapCol);
	printf("[XP128 cell write] numPulse=%d Gprev=%.6e G=%.6e writeLatencyLTD=%g writeEnergy=%.6e (wireCapCol=%.6e)\n", (int)d->numPulse, d->conductancePrev, d->conductance, d->writeLatencyLTD, d->writeEnergy, arr->wireCapCol);
	return 0;
}
