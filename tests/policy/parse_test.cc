// parse_document: shapes of policy-semantics 1.1-1.4, positions, JSON paths, size.
#include <catch2/catch.hpp>

#include <string>

#include "policy/document.h"

using namespace gatehouse::policy;

namespace {

Document parse_ok(const std::string& text) {
  auto result = parse_document(text);
  INFO(text);
  if (!result) FAIL("unexpected syntax error: " << result.error().detail << " at " << result.error().path);
  return std::move(result.value());
}

SyntaxError parse_error(const std::string& text) {
  auto result = parse_document(text);
  INFO(text);
  REQUIRE_FALSE(result);
  return result.error();
}

std::string statement(const std::string& members) {
  return R"({"Version":"2012-10-17","Statement":[{)" + members + "}]}";
}

}  // namespace

TEST_CASE("a full document is parsed into the model", "[policy][parse]") {
  const std::string text = R"({
  "Version": "2012-10-17",
  "Id": "doc1",
  "Statement": [
    {"Sid": "One", "Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
     "Resource": ["arn:aws:lambda:us-east-1:111111111111:function:F", null, "*"],
     "Condition": {"NumericLessThan": {"k": 10, "j": [1.5e3, true]}, "Bool": {"aws:SecureTransport": false}}},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*",
     "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "222222222222"], "Service": "lambda.amazonaws.com"}},
    {"Effect": "Allow", "NotPrincipal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {}}
  ]
})";
  const Document doc = parse_ok(text);
  CHECK(doc.version == PolicyVersion::V2012_10_17);
  REQUIRE(doc.version_text);
  CHECK(doc.version_text->path == "Version");
  REQUIRE(doc.id);
  CHECK(doc.id->value == "doc1");
  CHECK(doc.statement_is_array);
  REQUIRE(doc.statements.size() == 3);

  const Statement& s0 = doc.statements[0];
  CHECK(s0.path == "Statement[0]");
  REQUIRE(s0.sid);
  CHECK(s0.sid->value == "One");
  CHECK(s0.sid->path == "Statement[0].Sid");
  REQUIRE(s0.effect);
  CHECK(s0.effect->value == "Allow");
  CHECK(s0.action.present);
  CHECK(s0.action.was_array);
  CHECK(s0.action.path == "Statement[0].Action");
  REQUIRE(s0.action.values.size() == 2);
  CHECK(s0.action.values[1].value == "lambda:GetFunction");
  CHECK(s0.action.values[1].path == "Statement[0].Action[1]");
  // The null is dropped; the remaining values keep their array index in the path.
  REQUIRE(s0.resource.values.size() == 2);
  CHECK(s0.resource.values[1].value == "*");
  CHECK(s0.resource.values[1].path == "Statement[0].Resource[2]");
  CHECK_FALSE(s0.not_action.present);
  CHECK(s0.has_condition);
  REQUIRE(s0.conditions.size() == 2);
  CHECK(s0.conditions[0].op.value == "NumericLessThan");
  CHECK(s0.conditions[0].op.path == "Statement[0].Condition.NumericLessThan");
  REQUIRE(s0.conditions[0].keys.size() == 2);
  CHECK(s0.conditions[0].keys[0].key.value == "k");
  CHECK_FALSE(s0.conditions[0].keys[0].was_array);
  REQUIRE(s0.conditions[0].keys[0].values.size() == 1);
  // Unquoted numbers keep their literal text; booleans become true/false.
  CHECK(s0.conditions[0].keys[0].values[0].value == "10");
  CHECK(s0.conditions[0].keys[0].values[0].path == "Statement[0].Condition.NumericLessThan.k");
  CHECK(s0.conditions[0].keys[1].was_array);
  REQUIRE(s0.conditions[0].keys[1].values.size() == 2);
  CHECK(s0.conditions[0].keys[1].values[0].value == "1.5e3");
  CHECK(s0.conditions[0].keys[1].values[1].value == "true");
  CHECK(s0.conditions[0].keys[1].values[1].path == "Statement[0].Condition.NumericLessThan.j[1]");
  CHECK(s0.conditions[1].keys[0].values[0].value == "false");

  const Statement& s1 = doc.statements[1];
  CHECK(s1.not_action.present);
  CHECK_FALSE(s1.not_action.was_array);
  REQUIRE(s1.not_action.values.size() == 1);
  CHECK(s1.not_action.values[0].path == "Statement[1].NotAction");
  CHECK(s1.principal.present);
  CHECK_FALSE(s1.principal.wildcard);
  REQUIRE(s1.principal.values.size() == 3);
  CHECK(s1.principal.values[0].type == "AWS");
  CHECK(s1.principal.values[1].value.value == "222222222222");
  CHECK(s1.principal.values[1].value.path == "Statement[1].Principal.AWS[1]");
  CHECK(s1.principal.values[2].type == "Service");
  CHECK(s1.principal.values[2].value.path == "Statement[1].Principal.Service");

  const Statement& s2 = doc.statements[2];
  CHECK(s2.not_principal.present);
  CHECK(s2.not_principal.wildcard);
  CHECK(s2.has_condition);
  CHECK(s2.conditions.empty());
}

TEST_CASE("a statement object, an absent Version and 2008-10-17", "[policy][parse]") {
  const Document a = parse_ok(R"({"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}})");
  CHECK(a.version == PolicyVersion::Absent);
  CHECK_FALSE(a.version_text);
  CHECK_FALSE(a.statement_is_array);
  REQUIRE(a.statements.size() == 1);
  CHECK(a.statements[0].path == "Statement");
  CHECK(a.statements[0].effect->path == "Statement.Effect");

  const Document b = parse_ok(R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  CHECK(b.version == PolicyVersion::V2008_10_17);
}

TEST_CASE("documents IAM accepts at the syntax step", "[policy][parse]") {
  const char* valid[] = {
      // Effect's case is checked later, by legacy parsing (policy-semantics 1.3).
      R"({"Statement":{"Effect":"aLLow","Action":"*","Resource":"*"}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{}}}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"a":[]}}}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"x":{},"y":{}}}})",
      R"({"Statement":{"Effect":"Allow","Action":[],"Resource":[]}})",
      R"({"Statement":{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"}})",
      R"({"Id":"sdfsdfsdf","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"AWS":[]}}})",
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"k":"v"}}}})",
      "\t{ \"Statement\" :\r\n {\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"} }\n",
  };
  for (const char* text : valid) {
    DYNAMIC_SECTION(text) { parse_ok(text); }
  }
}

TEST_CASE("shape errors name the element, its path and position", "[policy][parse]") {
  struct Row {
    std::string text;
    std::string detail;
    std::string path;
  };
  const Row rows[] = {
      {R"({"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}})", "duplicate key `Effect`",
       "Statement.Effect"},
      {R"({"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow"}})", "duplicate key `Version`",
       "Version"},
      {R"({"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
       "unsupported Version `2013-10-17` (use `2012-10-17`)", "Version"},
      {R"({"Version":20121017,"Statement":{"Effect":"Allow"}})", "`Version` must be a string, not a number", "Version"},
      {R"({"Version":"2012-10-17"})", "missing `Statement`", ""},
      {R"({"Version":"2012-10-17","Statement":[]})", "`Statement` must not be empty", "Statement"},
      {R"({"Statement":["afd"]})", "`Statement` array members must be objects, not a string", "Statement[0]"},
      {R"({"Statement":[[]]})", "`Statement` array members must be objects, not arrays", "Statement[0]"},
      {R"({"Statement":"x"})", "`Statement` must be an object or an array of objects, not a string", "Statement"},
      {R"({"Conditions":{},"Statement":{"Effect":"Allow"}})", "unknown top-level element `Conditions`", "Conditions"},
      {R"({"Id":[],"Statement":{"Effect":"Allow"}})", "`Id` must be a string, not an array", "Id"},
      {R"({"Id":{},"Statement":{"Effect":"Allow"}})", "`Id` must be a string, not an object", "Id"},
      {statement(R"("Effect":"Allow","Extra field":"value")"), "unknown statement element `Extra field`",
       "Statement[0].Extra field"},
      {statement(R"("effect":"Allow")"), "unknown statement element `effect`", "Statement[0].effect"},
      {statement(R"("Effect":"invalid")"), "`Effect` must be `Allow` or `Deny`, not `invalid`", "Statement[0].Effect"},
      {statement(R"("Effect":true)"), "`Effect` must be a string, not a boolean", "Statement[0].Effect"},
      {statement(R"("Action":"*","Resource":"*")"), "missing `Effect`", "Statement[0]"},
      {statement(R"("Effect":"Allow","Sid":{})"), "`Sid` must not be an object", "Statement[0].Sid"},
      {statement(R"("Effect":"Allow","Sid":1)"), "`Sid` must be a string, not a number", "Statement[0].Sid"},
      {statement(R"("Effect":"Allow","Action":"a","NotAction":"b")"), "`NotAction` cannot appear together with `Action`",
       "Statement[0].NotAction"},
      {statement(R"("Effect":"Allow","Resource":"*","NotResource":[])"),
       "`NotResource` cannot appear together with `Resource`", "Statement[0].NotResource"},
      {statement(R"("Effect":"Allow","NotPrincipal":"*","Principal":"*")"),
       "`Principal` cannot appear together with `NotPrincipal`", "Statement[0].Principal"},
      {statement(R"("Effect":"Allow","Action":{})"), "`Action` must not be an object", "Statement[0].Action"},
      {statement(R"("Effect":"Allow","Action":[[]])"), "nested arrays are not allowed", "Statement[0].Action[0]"},
      {statement(R"("Effect":"Allow","Action":["a",1])"), "`Action` values must be strings, not a number",
       "Statement[0].Action[1]"},
      {statement(R"("Effect":"Allow","Action":[null])"), "`Action` values must be strings, not null",
       "Statement[0].Action[0]"},
      {statement(R"("Effect":"Allow","Resource":null)"), "`Resource` values must be strings, not null",
       "Statement[0].Resource"},
      {statement(R"("Effect":"Allow","Resource":["a",{}])"), "`Resource` values must be strings, not objects",
       "Statement[0].Resource[1]"},
      {statement(R"("Effect":"Allow","Principal":"arn:aws:iam::111111111111:root")"),
       "`Principal` must be \"*\" or an object of principal types, not `arn:aws:iam::111111111111:root`",
       "Statement[0].Principal"},
      {statement(R"("Effect":"Allow","Principal":["*"])"), "`Principal` must not be an array", "Statement[0].Principal"},
      {statement(R"("Effect":"Allow","Principal":{"Foo":"x"})"),
       "unknown principal type `Foo` (use AWS, Service, Federated or CanonicalUser)", "Statement[0].Principal.Foo"},
      {statement(R"("Effect":"Allow","Principal":{"AWS":"a","AWS":"b"})"), "duplicate key `AWS`",
       "Statement[0].Principal.AWS"},
      {statement(R"("Effect":"Allow","Principal":{"AWS":1})"), "principal values must be strings, not a number",
       "Statement[0].Principal.AWS"},
      {statement(R"("Effect":"Allow","Principal":{"AWS":["a",{}]})"), "principal values must be strings, not objects",
       "Statement[0].Principal.AWS[1]"},
      {statement(R"("Effect":"Allow","Principal":{})"), "`Principal` must name at least one principal type",
       "Statement[0].Principal"},
      {statement(R"("Effect":"Allow","Condition":[])"), "`Condition` must not be an array", "Statement[0].Condition"},
      {statement(R"("Effect":"Allow","Condition":"x")"), "`Condition` must be an object, not a string",
       "Statement[0].Condition"},
      {statement(R"("Effect":"Allow","Condition":{"DateGreaterThan":"b"})"),
       "the value of condition operator `DateGreaterThan` must be an object, not a string",
       "Statement[0].Condition.DateGreaterThan"},
      {statement(R"("Effect":"Allow","Condition":{"DateGreaterThan":[]})"),
       "the value of condition operator `DateGreaterThan` must be an object, not an array",
       "Statement[0].Condition.DateGreaterThan"},
      {statement(R"("Effect":"Allow","Condition":{"DateGreaterThan":{"a":{}}})"),
       "condition values must be strings, numbers, booleans or an array of them, not an object",
       "Statement[0].Condition.DateGreaterThan.a"},
      {statement(R"("Effect":"Allow","Condition":{"x":{"a":"1"}})"), "unknown condition operator `x`",
       "Statement[0].Condition.x"},
      // Operator names are case-sensitive; a double colon is not a prefix.
      {statement(R"("Effect":"Allow","Condition":{"stringEquals":{"a":"1"}})"),
       "unknown condition operator `stringEquals`", "Statement[0].Condition.stringEquals"},
      {statement(R"("Effect":"Allow","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"1"}})"),
       "unknown condition operator `ForAnyValue::StringEqualsIfExists`",
       "Statement[0].Condition.ForAnyValue::StringEqualsIfExists"},
      {statement(R"("Effect":"Allow","Condition":{"Bool":{},"Bool":{}})"), "duplicate key `Bool`",
       "Statement[0].Condition.Bool"},
      {statement(R"("Effect":"Allow","Condition":{"Bool":{"k":"true","k":"false"}})"), "duplicate key `k`",
       "Statement[0].Condition.Bool.k"},
      {statement(R"("Effect":"Allow","Condition":{"Bool":{"k":null}})"),
       "condition values must be strings, numbers or booleans, not null", "Statement[0].Condition.Bool.k"},
      {statement(R"("Effect":"Allow","Condition":{"Bool":{"k":["a",["b"]]}})"), "nested arrays are not allowed",
       "Statement[0].Condition.Bool.k[1]"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text) {
      const SyntaxError e = parse_error(row.text);
      CHECK(e.detail == row.detail);
      CHECK(e.path == row.path);
      CHECK_FALSE(e.invalid_json);
      CHECK(e.pos.line == 1);
      CHECK(e.pos.column >= 1);
    }
  }
}

TEST_CASE("text that is not JSON, or whose root is not an object", "[policy][parse]") {
  struct Row {
    std::string text;
    std::string detail;
  };
  const Row rows[] = {
      {"This is not a json document", "invalid JSON: expected a JSON value"},
      {"", "invalid JSON: the document is empty"},
      {std::string(1, '\0') + "{}", "invalid JSON: expected a JSON value"},
      {"   \n", "invalid JSON: the document is empty"},
      {R"({"Statement":{"Effect":"Allow")", "invalid JSON: expected `,` or `}` after an object member"},
      {R"({"Statement":{"Effect":"Allow","Action":["a",)", "invalid JSON: expected a JSON value"},
      {R"({"Statement":{"Effect":"Allo)", "invalid JSON: unterminated string"},
      {R"({"Statement":{"Effect":"Allow",}})", "invalid JSON: expected a quoted key"},
      {R"({"Statement":{"Effect":"Allow"}} // comment)", "invalid JSON: unexpected text after the root value"},
      {R"({'Statement':{}})", "invalid JSON: expected a quoted key"},
      {R"({"Statement":{"Effect":"Allow","Condition":{"N":{"k":NaN}}}})", "invalid JSON: expected a JSON value"},
      {R"({"Statement":{"Effect":"Allow"}}{})", "invalid JSON: unexpected text after the root value"},
      {std::string(R"({"Statement":{"Effect":"Allow"}})") + '\0' + "garbage",
       "invalid JSON: unexpected text after the root value"},
      {"{\"Statement\":{\"Effect\":\"Allow\",\"Sid\":\"\xC3\x28\"}}",
       "invalid JSON: invalid UTF-8 or a control character in a string"},
      {"{\"Statement\":{\"Effect\":\"Allow\",\"Sid\":\"a\x01\"}}",
       "invalid JSON: invalid UTF-8 or a control character in a string"},
      {"\xEF\xBB\xBF{\"Statement\":{\"Effect\":\"Allow\"}}", "invalid JSON: expected a JSON value"},
      {R"({"Statement":{"Effect":"Allow","Sid":"\uZZZZ"}})", "invalid JSON: invalid `\\u` escape"},
      {R"({"Statement":{"Effect":"Allow","Sid":"\q"}})", "invalid JSON: invalid escape sequence"},
      {"[]", "the document's root is an array, not an object"},
      {R"("a string")", "the document's root is a string, not an object"},
      {"42", "the document's root is a number, not an object"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.detail << " " << row.text.size()) {
      const SyntaxError e = parse_error(row.text);
      CHECK(e.detail == row.detail);
      CHECK(e.invalid_json);
    }
  }
}

TEST_CASE("a JSON error after a shape error still says the text is not JSON", "[policy][parse]") {
  // The shape error comes first, but trust policies must learn that the text is not JSON at all.
  const SyntaxError e = parse_error(R"({"Statement":[], "Version": )");
  CHECK(e.invalid_json);
  CHECK(e.detail == "invalid JSON: expected a JSON value");
}

TEST_CASE("deeply nested, huge and repetitive documents end cleanly", "[policy][parse]") {
  constexpr std::size_t kDepth = 200000;
  SECTION("deep arrays at the root") {
    const SyntaxError e = parse_error(std::string(kDepth, '['));
    CHECK(e.invalid_json);
  }
  SECTION("deep arrays where a statement is expected") {
    const std::string text = R"({"Statement":)" + std::string(kDepth, '[') + std::string(kDepth, ']') + "}";
    const SyntaxError e = parse_error(text);
    CHECK_FALSE(e.invalid_json);
    CHECK(e.detail == "`Statement` array members must be objects, not arrays");
  }
  SECTION("deep objects inside a condition value") {
    std::string text = statement(R"("Effect":"Allow","Condition":{"Bool":{"k":)");
    text.resize(text.size() - 3);  // drop "}]}"
    std::string nested;
    for (std::size_t i = 0; i < kDepth; ++i) nested += R"({"a":)";
    nested += "1" + std::string(kDepth, '}');
    text += nested + "}}}]}";
    const SyntaxError e = parse_error(text);
    CHECK(e.path == "Statement[0].Condition.Bool.k");
  }
  SECTION("many statements") {
    std::string text = R"({"Version":"2012-10-17","Statement":[)";
    for (int i = 0; i < 20000; ++i) {
      if (i) text += ',';
      text += R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/)" + std::to_string(i) + R"("})";
    }
    text += "]}";
    const Document doc = parse_ok(text);
    CHECK(doc.statements.size() == 20000);
    CHECK(doc.statements.back().path == "Statement[19999]");
  }
  SECTION("a huge string value") {
    const std::string text = statement(R"("Effect":"Allow","Action":"a:b","Resource":")" + std::string(4 << 20, 'x') + "\"");
    const Document doc = parse_ok(text);
    CHECK(doc.statements[0].resource.values[0].value.size() == (4u << 20));
  }
  SECTION("many duplicate-free condition keys") {
    std::string keys;
    for (int i = 0; i < 50000; ++i) keys += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
    const Document doc = parse_ok(statement(R"("Effect":"Allow","Condition":{"StringEquals":{)" + keys + "}}"));
    CHECK(doc.statements[0].conditions[0].keys.size() == 50000);
  }
}

TEST_CASE("statement start and end positions are just after the braces", "[policy][parse]") {
  // AWS's simulator example (policy-semantics 5.8): the statement's `{` is character 37,
  // so StartPosition is column 38; EndPosition is just after the statement's `}`.
  const std::string text = R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})";
  REQUIRE(text.find('{', 1) == 36);
  const Document doc = parse_ok(text);
  CHECK(doc.statements[0].start == Position{1, 38});
  // The statement's `}` is the next-to-last character: column size - 1, so End is column size.
  CHECK(doc.statements[0].end == Position{1, static_cast<std::uint32_t>(text.size())});

  const std::string multi = "{\r\n  \"Statement\": [\r\n    {\"Effect\": \"Allow\",\n     \"Action\": \"*\", \"Resource\": \"*\"\n    },\n  {\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]\n}";
  const Document m = parse_ok(multi);
  REQUIRE(m.statements.size() == 2);
  CHECK(m.statements[0].start == Position{3, 6});
  CHECK(m.statements[0].end == Position{5, 6});
  CHECK(m.statements[1].start == Position{6, 4});
  CHECK(m.statements[0].effect->pos == Position{3, 16});
  CHECK(m.statements[0].action.pos == Position{4, 6});
  CHECK(m.statements[0].action.values[0].pos == Position{4, 16});
}

TEST_CASE("columns count code points, not bytes", "[policy][parse]") {
  // "é" is two bytes and "😀" four; each is one column.
  const std::string text = "{\"Id\":\"\xC3\xA9\xF0\x9F\x98\x80\",\"Statement\":{\"Effect\":\"Allow\"}}";
  const Document doc = parse_ok(text);
  CHECK(doc.statements[0].start == Position{1, 25});
  CHECK(doc.statements[0].effect->pos == Position{1, 34});
}

TEST_CASE("error positions point at the offending token", "[policy][parse]") {
  const SyntaxError dup = parse_error("{\"Statement\": {\n  \"Effect\": \"Allow\",\n  \"Effect\": \"Deny\"}}");
  CHECK(dup.pos == Position{3, 3});
  const SyntaxError missing = parse_error("{\"Statement\": [\n  {\"Action\": \"*\"}]}");
  CHECK(missing.pos == Position{2, 3});
  CHECK(missing.detail == "missing `Effect`");
  const SyntaxError truncated = parse_error("{\"Statement\": {\n  \"Effect\": \"Allow\"");
  CHECK(truncated.pos.line == 2);
  CHECK(truncated.invalid_json);
}

TEST_CASE("size counts characters outside white space between tokens", "[policy][parse]") {
  struct Row {
    std::string text;
    std::size_t size;
  };
  const std::string compact = R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})";
  const Row rows[] = {
      {compact, compact.size()},
      {" {\n\t\"Statement\" : {\r\n \"Effect\" : \"Allow\" , \"Action\":\"*\",\"Resource\":\"*\"}\n}\n", compact.size()},
      // White space inside a string counts, and so does an escaped quote.
      {R"({"Statement":{"Effect":"Allow","Action":"* ","Resource":"\"*"}})", compact.size() + 3},
      // Code points, not bytes.
      {"{\"Id\":\"\xC3\xA9\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
       compact.size() + 9},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.text) { CHECK(parse_ok(row.text).size == row.size); }
  }
}
