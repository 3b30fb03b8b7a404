#include "chip/reference_doc.h"

#include "chip/chip_spec.h"
#include "chip/device_registry.h"
#include "chip/schema/schema.h"

namespace aimc::chip {

std::string chip_schema_reference() {
  std::string out = schema_markdown(chip_schema().doc(), "");
  for (const DeviceTechnology& t : device_technologies().all()) {
    out += schema_markdown(*t.doc, "cores.device (technology: " + t.name + ")");
  }
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace aimc::chip
