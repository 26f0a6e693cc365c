// Maps the fields of a user struct to CSV columns (by position) and JSON keys (by
// name), shared by the CSV and JSON-lines sources and sinks:
//
//   struct Txn { uint64_t card; double amount; std::string merchant; };
//   auto schema = sluice::RecordSchema<Txn>()
//                     .Field("card", &Txn::card)
//                     .Field("amount", &Txn::amount)
//                     .OptionalField("merchant", &Txn::merchant);
//
// A field may also sit inside a member struct, given as a path of members
// (.Field("total", &Out::stats, &Stats::total)), and .Fields(&Out::stats, schema)
// takes every field of another schema (engine/window_result_schema.h builds one for
// window results this way). Field types: integers (int8_t to uint64_t; not char),
// float, double, bool, std::string. Values are parsed strictly (field_codec.h). Copies
// are cheap: they share the (immutable) field bindings.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/records/field_codec.h"

namespace sluice {

// One field of T, type-erased so a schema can mix value types. A virtual call per
// field is small next to the text parsing it wraps.
template <class T>
class FieldBinding {
 public:
  FieldBinding(std::string name, ValueKind kind, bool required)
      : name_(std::move(name)), kind_(kind), required_(required) {}
  virtual ~FieldBinding() = default;

  const std::string& name() const { return name_; }
  ValueKind kind() const { return kind_; }
  // A required field must be present and not null (JSON), or non-empty unless it is
  // a string (CSV). An optional one keeps the struct's default value when absent.
  bool required() const { return required_; }

  // Parses `text` into the field of `record`; the error names the field.
  virtual absl::Status Parse(std::string_view text, T& record) const = 0;
  // The field's value as text; may point into `scratch`.
  virtual std::string_view Format(const T& record, std::string* scratch) const = 0;
  // The field's value as a JSON value (number, true/false or string).
  virtual void AppendJson(const T& record, std::string* out) const = 0;

 private:
  std::string name_;
  ValueKind kind_;
  bool required_;
};

// Non-empty, distinct field names; checked when a job using the schema is built.
absl::Status ValidateSchemaFieldNames(const std::vector<std::string>& names);

// The value at the end of a path of members: MemberPath(record, &A::b, &B::c) is
// record.b.c.
template <class T, class M>
decltype(auto) MemberPath(T& record, M member) {
  return (record.*member);
}
template <class T, class M, class... Ms>
decltype(auto) MemberPath(T& record, M member, Ms... rest) {
  return MemberPath(record.*member, rest...);
}

template <class T>
class RecordSchema {
 public:
  // A field of T, or of a struct inside T given as a path of members:
  //   .Field("total", &WindowResult<K, Sums>::value, &Sums::total)
  // Each call returns a changed copy; the schema it is called on is left as it was.
  template <class M, class... Ms>
  [[nodiscard]] RecordSchema Field(std::string name, M T::*member, Ms... path) const {
    return Add(std::move(name), /*required=*/true, member, path...);
  }
  template <class M, class... Ms>
  [[nodiscard]] RecordSchema OptionalField(std::string name, M T::*member,
                                           Ms... path) const {
    return Add(std::move(name), /*required=*/false, member, path...);
  }
  // Every field of `nested`, read from and written to the member `member` of T, under
  // the names `nested` gives them (a name already in this schema is an error when the
  // job is built):
  //   RecordSchema<Out>().Field("id", &Out::id).Fields(&Out::stats, StatsSchema())
  template <class V>
  [[nodiscard]] RecordSchema Fields(V T::*member, const RecordSchema<V>& nested) const {
    RecordSchema copy = *this;
    for (size_t i = 0; i < nested.size(); ++i) {
      copy.fields_.push_back(
          std::make_shared<const NestedField<V>>(nested.binding(i), member));
    }
    return copy;
  }

  size_t size() const { return fields_.size(); }
  const FieldBinding<T>& field(size_t i) const { return *fields_[i]; }
  const std::shared_ptr<const FieldBinding<T>>& binding(size_t i) const {
    return fields_[i];
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& field : fields_) names.push_back(field->name());
    return names;
  }
  absl::Status Validate() const { return ValidateSchemaFieldNames(Names()); }

 private:
  // A field at the end of a path of members of T (one member for a direct field).
  template <class V, class... Path>
  class MemberField final : public FieldBinding<T> {
   public:
    MemberField(std::string name, bool required, Path... path)
        : FieldBinding<T>(std::move(name), FieldCodec<V>::kKind, required),
          path_(path...) {}

    absl::Status Parse(std::string_view text, T& record) const override {
      absl::Status status = FieldCodec<V>::Parse(text, Get(record));
      if (status.ok()) return status;
      return absl::InvalidArgumentError(
          absl::StrCat("field '", this->name(), "': ", status.message()));
    }
    std::string_view Format(const T& record, std::string* scratch) const override {
      return FieldCodec<V>::Format(Get(record), scratch);
    }
    void AppendJson(const T& record, std::string* out) const override {
      FieldCodec<V>::AppendJson(Get(record), out);
    }

   private:
    template <class R>
    decltype(auto) Get(R& record) const {
      return std::apply(
          [&](auto... path) -> decltype(auto) { return MemberPath(record, path...); },
          path_);
    }

    std::tuple<Path...> path_;
  };

  // A field of another schema, applied to the member of T that holds its struct.
  template <class V>
  class NestedField final : public FieldBinding<T> {
   public:
    NestedField(std::shared_ptr<const FieldBinding<V>> inner, V T::*member)
        : FieldBinding<T>(inner->name(), inner->kind(), inner->required()),
          inner_(std::move(inner)),
          member_(member) {}

    absl::Status Parse(std::string_view text, T& record) const override {
      return inner_->Parse(text, record.*member_);
    }
    std::string_view Format(const T& record, std::string* scratch) const override {
      return inner_->Format(record.*member_, scratch);
    }
    void AppendJson(const T& record, std::string* out) const override {
      inner_->AppendJson(record.*member_, out);
    }

   private:
    std::shared_ptr<const FieldBinding<V>> inner_;
    V T::*member_;
  };

  template <class... Path>
  RecordSchema Add(std::string name, bool required, Path... path) const {
    using V = std::remove_cvref_t<decltype(MemberPath(std::declval<T&>(), path...))>;
    static_assert(SchemaValue<V>,
                  "RecordSchema::Field: the member (the last one of a path) must be an "
                  "integer (not char), float, double, bool or std::string");
    RecordSchema copy = *this;
    if constexpr (SchemaValue<V>) {  // spares the user errors after the assert's
      copy.fields_.push_back(std::make_shared<const MemberField<V, Path...>>(
          std::move(name), required, path...));
    }
    return copy;
  }

  std::vector<std::shared_ptr<const FieldBinding<T>>> fields_;
};

}  // namespace sluice
