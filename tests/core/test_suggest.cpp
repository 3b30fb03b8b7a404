#include <gtest/gtest.h>

#include "core/suggest.h"

namespace aimc {

TEST(Suggest, FindsPlausibleTypos) {
  const std::vector<std::string> keys = {"bits", "kind", "columns_per_adc", "full_scale"};
  EXPECT_EQ(closest_match("bitz", keys), "bits");
  EXPECT_EQ(closest_match("colums_per_adc", keys), "columns_per_adc");
  EXPECT_EQ(closest_match("Bits", keys), "bits");
  EXPECT_EQ(closest_match("ibts", keys), "bits");
  EXPECT_FALSE(closest_match("resolution", keys));
  EXPECT_EQ(did_you_mean("pcn", {"pcm", "rram"}), " (did you mean 'pcm'?)");
  EXPECT_EQ(did_you_mean("zzz", {"pcm", "rram"}), "");
}

}  // namespace aimc
