// The dataset readers on arbitrary files: npy, MNIST idx (images and labels), CIFAR-10 records and
// token text. The first byte picks the reader; the rest is the file (for MNIST: split in two).
#include <filesystem>

#include "data/dataset.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t kind = data[0] % 5;
  ++data, --size;
  aimc::fuzz::expect_clean([&] {
    switch (kind) {
      case 0:
        aimc::load_dataset("npy:" + aimc::fuzz::write_input(data, size, "input.npy"), 64);
        break;
      case 1: {  // inputs and labels: the input's two halves
        const std::string x = aimc::fuzz::write_input(data, size / 2, "x.npy");
        const std::string y = aimc::fuzz::write_input(data + size / 2, size - size / 2, "y.npy");
        aimc::load_dataset("npy:" + x + "," + y, 64);
        break;
      }
      case 2: {
        const std::string dir = (aimc::fuzz::scratch_dir() / "mnist").string();
        std::filesystem::create_directories(dir);
        std::filesystem::remove(dir + "/t10k-images-idx3-ubyte.gz");
        std::filesystem::remove(dir + "/t10k-labels-idx1-ubyte.gz");
        const size_t half = size / 2;
        std::filesystem::rename(aimc::fuzz::write_input(data, half, "images"), dir + "/t10k-images-idx3-ubyte");
        std::filesystem::rename(aimc::fuzz::write_input(data + half, size - half, "labels"), dir + "/t10k-labels-idx1-ubyte");
        aimc::load_dataset("mnist:" + dir, 64);
        break;
      }
      case 3:
        aimc::load_dataset("cifar10:" + aimc::fuzz::write_input(data, size, "cifar.bin"), 64);
        break;
      default:
        aimc::load_dataset("tokens:" + aimc::fuzz::write_input(data, size, "tokens.txt") + ",level=char,seq=8", 64);
        break;
    }
  });
  return 0;
}
