#include "sigv4/canonical_query.h"

#include <algorithm>
#include <utility>

#include <boost/spirit/home/x3.hpp>

#include "sigv4/percent_encoding.h"
#include "sigv4/x3_run.h"

namespace gatehouse::sigv4 {
namespace {

namespace x3 = boost::spirit::x3;

inline constexpr std::string_view kSignatureParameter = "X-Amz-Signature";

// query = [ piece *( "&" piece ) ]; piece = name [ "=" value ]. Pieces are handed to
// `on_piece` raw, before any decoding.
template <class OnPiece>
void split_query(std::string_view raw, OnPiece&& on_piece) {
  const auto piece = [&](auto& ctx) {
    const auto& attr = x3::_attr(ctx);
    const auto& name = boost::fusion::at_c<0>(attr);
    const auto& value = boost::fusion::at_c<1>(attr);
    const std::string_view name_view(name.begin(), name.size());
    if (value) {
      on_piece(name_view, std::string_view(value->begin(), value->size()), true);
    } else if (!name_view.empty()) {
      on_piece(name_view, std::string_view(), false);
    }
  };
  const auto name = x3_run::until<'&', '='>;
  const auto value = x3_run::until<'&'>;
  const auto grammar = (name >> -('=' >> value))[piece] % '&';
  const char* first = raw.data();
  const char* const last = raw.data() + raw.size();
  // The grammar accepts every byte string; `first` always reaches `last`.
  x3::parse(first, last, grammar);
}

}  // namespace

void DecodedQuery::assign(std::string_view raw_query) {
  storage_.clear();
  parameters_.clear();
  malformed_.reset();
  if (raw_query.empty()) return;
  // Decoding never grows a piece, so one reservation keeps the views stable.
  storage_.reserve(raw_query.size());
  split_query(raw_query, [&](std::string_view name, std::string_view value, bool has_value) {
    const std::size_t name_at = storage_.size();
    bool ok = append_percent_decoded(storage_, name);
    const std::size_t value_at = storage_.size();
    if (ok && has_value) ok = append_percent_decoded(storage_, value);
    if (!ok) {
      storage_.resize(name_at);
      if (!malformed_) {
        const char* end = has_value ? value.data() + value.size() : name.data() + name.size();
        malformed_ = std::string_view(name.data(), static_cast<std::size_t>(end - name.data()));
      }
      return;
    }
    const std::string_view stored(storage_);
    parameters_.push_back({stored.substr(name_at, value_at - name_at), stored.substr(value_at)});
  });
}

std::optional<std::string_view> DecodedQuery::find(std::string_view name) const noexcept {
  for (const QueryParameter& p : parameters_) {
    if (p.name == name) return p.value;
  }
  return std::nullopt;
}

void append_canonical_query(std::string& out, const DecodedQuery& query, SignatureParameter signature) {
  const auto& parameters = query.parameters();
  if (parameters.empty()) return;
  // Encoding at most triples each byte; reserving first keeps the views below stable.
  std::size_t decoded_size = 0;
  for (const QueryParameter& p : parameters) decoded_size += p.name.size() + p.value.size();
  thread_local std::string encoded;
  encoded.clear();
  encoded.reserve(3 * decoded_size);
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 16> pairs;
  for (const QueryParameter& p : parameters) {
    if (signature == SignatureParameter::Omit && p.name == kSignatureParameter) continue;
    const std::size_t name_at = encoded.size();
    append_uri_encoded(encoded, p.name, SlashRule::Encode);
    const std::size_t value_at = encoded.size();
    append_uri_encoded(encoded, p.value, SlashRule::Encode);
    pairs.emplace_back(std::string_view(encoded).substr(name_at, value_at - name_at),
                       std::string_view(encoded).substr(value_at));
  }
  // Sort pairs, not joined strings: "Param-3=" must follow "Param=" (get-vanilla-query-order-encoded).
  std::sort(pairs.begin(), pairs.end());
  bool first = true;
  for (const auto& [name, value] : pairs) {
    if (!first) out.push_back('&');
    first = false;
    out.append(name);
    out.push_back('=');
    out.append(value);
  }
}

}  // namespace gatehouse::sigv4
