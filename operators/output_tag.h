// Named, typed side outputs (Flink's OutputTag). A tag is a type that carries the
// side output's element type and its name:
//
//   using LateSales = sluice::OutputTag<Sale, "late sales">;
//
// Windows send late events to one (WindowedStream::SideOutputLateData(LateSales{}));
// a keyed process function lists its tags in `using SideOutputs = std::tuple<...>`
// and emits with ctx.Emit(Tag{}, value). The result stream reads any of them with
// .SideOutput(Tag{}). A tag the operator does not declare is a compile error. The
// name tells apart two outputs of one type and names the output in the logical graph.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace sluice {

// A string literal as a template argument.
template <size_t N>
struct TagName {
  char chars[N] = {};
  constexpr TagName(const char (&name)[N]) { std::copy_n(name, N, chars); }
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

template <class T, TagName kName>
struct OutputTag {
  static_assert(kName.view().size() > 0, "OutputTag: the name must not be empty");
  using Type = T;
  static constexpr std::string_view name() { return kName.view(); }
};

template <class Tag>
concept IsOutputTag = requires {
  typename Tag::Type;
  { Tag::name() } -> std::convertible_to<std::string_view>;
};

// The index of Tag in the tuple of tags Tags, or the tuple's size when it is absent.
template <class Tag, class Tags>
struct TagIndex;
template <class Tag, class... Tags>
struct TagIndex<Tag, std::tuple<Tags...>> {
  static constexpr size_t Find() {
    constexpr bool kMatches[] = {std::is_same_v<Tag, Tags>..., false};
    return static_cast<size_t>(std::find(kMatches, kMatches + sizeof...(Tags), true) -
                               kMatches);
  }
  static constexpr size_t value = Find();
};

// Every element of Tags is an output tag, and no two share a name.
template <class Tags>
struct ValidTags : std::false_type {};
template <class... Tags>
struct ValidTags<std::tuple<Tags...>> {
  static constexpr bool Check() {
    if constexpr ((IsOutputTag<Tags> && ...)) {
      std::string_view names[] = {Tags::name()..., ""};
      for (size_t i = 0; i < sizeof...(Tags); ++i) {
        for (size_t j = i + 1; j < sizeof...(Tags); ++j) {
          if (names[i] == names[j]) return false;
        }
      }
      return true;
    } else {
      return false;
    }
  }
  static constexpr bool value = Check();
};

}  // namespace sluice
