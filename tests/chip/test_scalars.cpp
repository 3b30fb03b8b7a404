#include <gtest/gtest.h>

#include "chip/schema/scalars.h"

namespace aimc::chip {

TEST(Scalars, IntegersAreStrict) {
  int64_t v = 0;
  EXPECT_EQ(parse_int("256", v), IntParse::Ok);
  EXPECT_EQ(v, 256);
  EXPECT_EQ(parse_int("-3", v), IntParse::Ok);
  EXPECT_EQ(v, -3);
  EXPECT_EQ(parse_int("0x100000", v), IntParse::Ok);
  EXPECT_EQ(v, 1048576);
  EXPECT_EQ(parse_int("1e12", v), IntParse::Ok);
  EXPECT_EQ(v, 1000000000000);
  EXPECT_EQ(parse_int("1.5", v), IntParse::NotInteger);
  EXPECT_EQ(parse_int("abc", v), IntParse::NotInteger);
  EXPECT_EQ(parse_int("+4", v), IntParse::NotInteger);
  EXPECT_EQ(parse_int("", v), IntParse::NotInteger);
  EXPECT_EQ(parse_int("99999999999999999999", v), IntParse::Overflow);
  EXPECT_EQ(parse_int("1e30", v), IntParse::Overflow);
}

TEST(Scalars, RealsAndBooleans) {
  EXPECT_DOUBLE_EQ(parse_real("5.12e-7").value(), 5.12e-7);
  EXPECT_DOUBLE_EQ(parse_real("133").value(), 133.0);
  EXPECT_FALSE(parse_real("inf"));
  EXPECT_FALSE(parse_real("nan"));
  EXPECT_FALSE(parse_real("1 ns"));
  EXPECT_TRUE(parse_bool("true").value());
  EXPECT_FALSE(parse_bool("yes"));
  EXPECT_EQ(format_real(133.0), "133");
  EXPECT_EQ(parse_real(format_real(0.1 + 0.2)).value(), 0.1 + 0.2);
}

TEST(Scalars, DescribesNodes) {
  EXPECT_EQ(describe_node(YAML::Load("[1, 2]")), "a list");
  EXPECT_EQ(describe_node(YAML::Load("{a: 1}")), "a map");
  EXPECT_EQ(describe_node(YAML::Load("~")), "null");
  EXPECT_EQ(describe_node(YAML::Load("12")), "the integer 12");
  EXPECT_EQ(describe_node(YAML::Load("\"12\"")), "the string '12'");
  EXPECT_EQ(describe_node(YAML::Load("many")), "the string 'many'");
}

}  // namespace aimc::chip
