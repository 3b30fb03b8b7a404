// Hand-built graphs with the shapes of the reference models (random weights), used by the
// benchmark when the ONNX models cannot be imported.
#pragma once

#include "ir/graph.h"

namespace aimc::bench {

// models/mnist_lenet: (x-mean)/std, conv5x5 1->16, ReLU, maxpool 2, conv5x5 16->32, ReLU,
// maxpool 2, flatten, Gemm 512->128, ReLU, Gemm 128->10. Input [1, 1, 28, 28], batch axis 0.
Graph lenet_graph();

// ResNet-20 for CIFAR-10 as PyTorch exports it (batch-norm folded into conv biases): (x-mean)/std,
// conv3x3 3->16, ReLU, 3 stages x 3 BasicBlocks (16/32/64 channels, stride 2 at the start of
// stages 2 and 3, option-A shortcuts: Slice ::2 then zero Pad of the channels), global average
// pool, flatten, Gemm 64->10. Input [1, 3, 32, 32], batch axis 0.
Graph resnet20_graph();

}  // namespace aimc::bench
