#include <cstdio>
#include <iostream>
#include <fstream>
#include <sstream>
#include <string>
#include <stdlib.h>
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
int main() {
	gen.seed(0);
	arrayIH->Initialization<RealDevice>();
	arrayHO->Initialization<RealDevice>();
	param->relaxArrayCellWidth = 0;
	NeuroSimSubArrayInitialize(subArrayIH, arrayIH, inputParameterIH, techIH, cellIH);
	param->relaxArrayCellWidth = 1;
	NeuroSimSubArrayInitialize(subArrayHO, arrayHO, inputParameterHO, techHO, cellHO);
	NeuroSimSubArrayArea(subArrayIH);
	NeuroSimSubArrayArea(subArrayHO);
	NeuroSimSubArrayLeakagePower(subArrayIH);
	NeuroSimSubArrayLeakagePower(subArrayHO);
	NeuroSimNeuronInitialize(subArrayIH, inputParameterIH, techIH, cellIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH);
	NeuroSimNeuronInitialize(subArrayHO, inputParameterHO, techHO, cellHO, adderHO, muxHO, muxDecoderHO, dffHO, subtractorHO);
	double heightNeuronIH, widthNeuronIH;
	NeuroSimNeuronArea(subArrayIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH, &heightNeuronIH, &widthNeuronIH);
	double leakageNeuronIH = NeuroSimNeuronLeakagePower(subArrayIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH);
	double heightNeuronHO, widthNeuronHO;
	NeuroSimNeuronArea(subArrayHO, adderHO, muxHO, muxDecoderHO, dffHO, subtractorHO, &heightNeuronHO, &widthNeuronHO);
	double leakageNeuronHO = NeuroSimNeuronLeakagePower(subArrayHO, adderHO, muxHO, muxDecoderHO, dffHO, subtractorHO);
	double totalSubArrayArea = subArrayIH->usedArea + subArrayHO->usedArea;
	double totalNeuronAreaIH = adderIH.area + muxIH.area + muxDecoderIH.area + dffIH.area + subtractorIH.area;
	double totalNeuronAreaHO = adderHO.area + muxHO.area + muxDecoderHO.area + dffHO.area + subtractorHO.area;
	printf("Total SubArray (synaptic core) area=%.4e m^2\n", totalSubArrayArea);
	printf("Total Neuron (neuron peripheries) area=%.4e m^2\n", totalNeuronAreaIH + totalNeuronAreaHO);
	printf("Total area=%.4e m^2\n", totalSubArrayArea + totalNeuronAreaIH + totalNeuronAreaHO);
	printf("Leakage power of subArrayIH is : %.4e W\n", subArrayIH->leakage);
	printf("Leakage power of subArrayHO is : %.4e W\n", subArrayHO->leakage);
	printf("Leakage power of NeuronIH is : %.4e W\n", leakageNeuronIH);
	printf("Leakage power of NeuronHO is : %.4e W\n", leakageNeuronHO);
	printf("Total leakage power of subArray is : %.4e W\n", subArrayIH->leakage + subArrayHO->leakage);
	printf("Total leakage power of Neuron is : %.4e W\n", leakageNeuronIH + leakageNeuronHO);
	// ---- extra diagnostics ----
	Technology &t = techIH;
	printf("\n[tech] node=%d vdd=%g capIdealGate=%g capFringe=%g capOverlap=%g capJunction=%g capSidewall=%g capDrainToChannel=%g pnSizeRatio=%g\n", t.featureSizeInNano, t.vdd, t.capIdealGate, t.capFringe, t.capOverlap, t.capJunction, t.capSidewall, t.capDrainToChannel, t.pnSizeRatio);
	double F = t.featureSize;
	printf("[tech] CalculateGateCap(1F)=%.6e F  CalculateGateCap(2F)=%.6e\n", CalculateGateCap(F,t), CalculateGateCap(2*F,t));
	printf("[tech] CalculateDrainCap(2F NMOS, h=28F)=%.6e  CalculateDrainCap(2F PMOS, h=28F)=%.6e\n", CalculateDrainCap(2*F,NMOS,28*F,t), CalculateDrainCap(2*F,PMOS,28*F,t));
	printf("[tech] GateLeakage INV(2F,2F*pn) @301K = %.6e A ; Ron(1F NMOS)=%.6e ohm\n", CalculateGateLeakage(INV,1,2*F,t.pnSizeRatio*2*F,301,t), CalculateOnResistance(F,NMOS,301,t));
	for (int s=0;s<2;s++){
	  SubArray *sa = s? subArrayHO: subArrayIH; Array *ar = s? arrayHO: arrayIH;
	  printf("\n[%s] numRow=%d numCol=%d lengthRow=%.6e lengthCol=%.6e capRow1=%.6e capRow2=%.6e capCol=%.6e resRow=%.6e resCol=%.6e unitLenRes=%.6e\n", s?"HO":"IH", sa->numRow, sa->numCol, sa->lengthRow, sa->lengthCol, sa->capRow1, sa->capRow2, sa->capCol, sa->resRow, sa->resCol, ar->unitLengthWireResistance);
	  printf("[%s] wireCapRow=%.6e wireGateCapRow=%.6e wireCapCol=%.6e wireResRow(per cell)=%.6e\n", s?"HO":"IH", ar->wireCapRow, ar->wireGateCapRow, ar->wireCapCol, ar->wireResistanceRow);
	  double acts[3]={0.1,0.5,1.0};
	  for (int a=0;a<3;a++){
	    sa->activityRowRead = acts[a];
	    NeuroSimSubArrayReadLatency(sa);
	    double e = NeuroSimSubArrayReadEnergy(sa);
	    printf("[%s] activityRowRead=%.2f NeuroSimSubArrayReadEnergy=%.6e J (wlDecoder=%.4e wlDecoderOutput=%.4e blSM=%.4e mux=%.4e muxDec=%.4e readCircuit=%.4e subtractor=%.4e shiftAdd=%.4e)\n", s?"HO":"IH", acts[a], e,
	      sa->wlDecoder.readDynamicEnergy, sa->wlDecoderOutput.readDynamicEnergy, sa->blSwitchMatrix.readDynamicEnergy, sa->mux.readDynamicEnergy, sa->muxDecoder.readDynamicEnergy, sa->readCircuit.readDynamicEnergy, sa->subtractor.readDynamicEnergy, sa->shiftAdd.readDynamicEnergy);
	  }
	}
	double eN = NeuroSimNeuronReadEnergy(subArrayIH, adderIH, muxIH, muxDecoderIH, dffIH, subtractorIH);
	printf("\n[IH] NeuroSimNeuronReadEnergy=%.6e J (adder=%.4e mux=%.4e muxDec=%.4e dff=%.4e sub=%.4e) adder.numBit=%d numAdder=%d\n", eN, adderIH.readDynamicEnergy, muxIH.readDynamicEnergy, muxDecoderIH.readDynamicEnergy, dffIH.readDynamicEnergy, subtractorIH.readDynamicEnergy, adderIH.numBit, adderIH.numAdder);
	// write energy per row update, numWritePulse given
	subArrayIH->numWritePulse = 8;
	double eW = NeuroSimSubArrayWriteEnergy(subArrayIH, 1, 0);
	printf("[IH] NeuroSimSubArrayWriteEnergy(numWriteOperationPerRow=1, numWritePulse=8)=%.6e J (wlDecoder=%.4e wlDecOut=%.4e blSM=%.4e slSM=%.4e)\n", eW, subArrayIH->wlDecoder.writeDynamicEnergy, subArrayIH->wlDecoderOutput.writeDynamicEnergy, subArrayIH->blSwitchMatrix.writeDynamicEnergy, subArrayIH->slSwitchMatrix.writeDynamicEnergy);
	// cell write energy example
	RealDevice *c = static_cast<RealDevice*>(arrayIH->cell[0][0]);
	printf("[cell] G=%.6e Gprev=%.6e\n", c->conductance, c->conductancePrev);
	return 0;
}
