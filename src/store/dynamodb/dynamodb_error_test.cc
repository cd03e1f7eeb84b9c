#include "store/dynamodb/dynamodb_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vdpark {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Code = Status::Code;

Status Error(int http, std::string_view body, std::string_view op = "PutItem") {
  boost::json::value v = boost::json::parse(body);
  return DynamoDbError(op, http, v.if_object());
}

TEST(DynamoDbError, TypeNameDropsTheNamespace) {
  EXPECT_EQ(ErrorTypeName("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
            "ResourceNotFoundException");
  EXPECT_EQ(ErrorTypeName("com.amazon.coral.validate#ValidationException"), "ValidationException");
  EXPECT_EQ(ErrorTypeName("ThrottlingException"), "ThrottlingException");
}

TEST(DynamoDbError, EachTypeMapsToItsCode) {
  struct Case {
    int http;
    std::string_view type;
    Code code;
  };
  const Case cases[] = {
      {400, "com.amazon.coral.validate#ValidationException", Code::kInvalidArgument},
      {400, "com.amazon.coral.service#SerializationException", Code::kInvalidArgument},
      {400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
       Code::kConditionFailed},
      {400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", Code::kNotFound},
      {400, "com.amazonaws.dynamodb.v20120810#ResourceInUseException", Code::kInvalidArgument},
      {400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
       Code::kThrottled},
      {400, "com.amazon.coral.availability#ThrottlingException", Code::kThrottled},
      {400, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded", Code::kThrottled},
      {400, "com.amazonaws.dynamodb.v20120810#LimitExceededException", Code::kThrottled},
      {400, "com.amazonaws.dynamodb.v20120810#TransactionInProgressException", Code::kThrottled},
      {500, "com.amazonaws.dynamodb.v20120810#InternalServerError", Code::kUnavailable},
      {503, "com.amazon.coral.availability#ServiceUnavailable", Code::kUnavailable},
      {400, "com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException",
       Code::kUnavailable},
      {400, "com.amazon.coral.service#UnrecognizedClientException", Code::kInvalidArgument},
      {403, "com.amazon.coral.service#InvalidSignatureException", Code::kInvalidArgument},
      {403, "com.amazon.coral.service#MissingAuthenticationTokenException", Code::kInvalidArgument},
      {400, "com.amazon.coral.service#AccessDeniedException", Code::kInvalidArgument},
      {400, "com.amazon.coral.service#ExpiredTokenException", Code::kInvalidArgument},
      {400, "com.amazon.coral.service#UnknownOperationException", Code::kNotSupported},
      {400, "com.amazonaws.dynamodb.v20120810#SomethingNewException", Code::kInternal},
      {502, "com.amazonaws.dynamodb.v20120810#SomethingNewException", Code::kUnavailable},
  };
  for (const Case& c : cases) {
    std::string body = R"({"__type":")" + std::string(c.type) + R"(","message":"why"})";
    Status s = Error(c.http, body);
    EXPECT_EQ(s.code(), c.code) << c.type << " -> " << s.ToString();
    EXPECT_THAT(s.message(), StartsWith("PutItem: ")) << c.type;
  }
}

TEST(DynamoDbError, MessageNamesOperationTypeAndServerReason) {
  Status s = Error(400,
                   R"({"__type":"com.amazon.coral.validate#ValidationException",)"
                   R"("message":"One or more parameter values were invalid: Missing the key SK"})",
                   "GetItem");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "GetItem: ValidationException: One or more parameter values were invalid: Missing "
            "the key SK");
}

TEST(DynamoDbError, CapitalizedMessageFieldIsRead) {
  Status s = Error(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                        R"("Message":"Requested resource not found"})");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_THAT(s.message(), HasSubstr("Requested resource not found"));
}

TEST(DynamoDbError, ResourceInUseSaysTheTableExists) {
  // dynalite's answer: no message at all.
  Status s = Error(400,
                   R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException",)"
                   R"("message":""})",
                   "CreateTable");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_THAT(s.message(), HasSubstr("table already exists or is in use"));
  Status aws = Error(400,
                     R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException",)"
                     R"("message":"Table already exists: VisionDrive-Parking"})",
                     "CreateTable");
  EXPECT_THAT(aws.message(), HasSubstr("Table already exists: VisionDrive-Parking"));
}

TEST(DynamoDbError, CredentialErrorsHintAtCredentials) {
  Status s = Error(400, R"({"__type":"com.amazon.coral.service#UnrecognizedClientException",)"
                        R"("message":"The security token included in the request is invalid."})");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_THAT(s.message(), HasSubstr("The security token included in the request is invalid."));
  EXPECT_THAT(s.message(), HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_FALSE(IsRetryable(s));
}

TEST(DynamoDbError, TransactionConditionFailureNamesTheFirstFailedItem) {
  Status s =
      Error(400,
            R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
            R"("Message":"Transaction cancelled, please refer cancellation reasons for )"
            R"(specific reasons [None, TransactionConflict, ConditionalCheckFailed, )"
            R"(ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},)"
            R"({"Code":"TransactionConflict","Message":"Transaction is ongoing"},)"
            R"({"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},)"
            R"({"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]})",
            "TransactWriteItems");
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_THAT(s.message(), StartsWith("item 2: TransactWriteItems: ConditionalCheckFailed"));
  EXPECT_THAT(s.message(), HasSubstr("The conditional request failed"));
}

TEST(DynamoDbError, TransactionConflictIsRetryable) {
  Status s = Error(400,
                   R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
                   R"("Message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},)"
                   R"({"Code":"TransactionConflict","Message":"Transaction is ongoing"}]})",
                   "TransactWriteItems");
  EXPECT_EQ(s.code(), Code::kThrottled) << s.ToString();
  EXPECT_TRUE(IsRetryable(s));
  EXPECT_THAT(s.message(), StartsWith("item 1: "));
}

TEST(DynamoDbError, TransactionValidationErrorIsInvalidArgument) {
  Status s =
      Error(400,
            R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
            R"("Message":"Transaction cancelled","CancellationReasons":[)"
            R"({"Code":"ValidationError","Message":"Item size too large"},{"Code":"None"}]})",
            "TransactWriteItems");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_THAT(s.message(), StartsWith("item 0: "));
}

TEST(DynamoDbError, TransactionWithoutKnownReasonIsAborted) {
  Status s = Error(400,
                   R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
                   R"("Message":"Transaction cancelled"})",
                   "TransactWriteItems");
  EXPECT_EQ(s.code(), Code::kAborted);
  EXPECT_THAT(s.message(), HasSubstr("Transaction cancelled"));
}

TEST(DynamoDbError, AnswersWithoutAnErrorBody) {
  EXPECT_EQ(DynamoDbError("Query", 503, nullptr).code(), Code::kUnavailable);
  EXPECT_EQ(DynamoDbError("Query", 500, nullptr).code(), Code::kUnavailable);
  EXPECT_EQ(DynamoDbError("Query", 429, nullptr).code(), Code::kThrottled);
  EXPECT_EQ(DynamoDbError("Query", 403, nullptr).code(), Code::kInvalidArgument);
  Status s = DynamoDbError("Query", 404, nullptr);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 404"));
  boost::json::object empty;
  EXPECT_EQ(DynamoDbError("Query", 502, &empty).code(), Code::kUnavailable);
}

TEST(DynamoDbError, UnknownTypeIsNamed) {
  Status s = Error(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#NewFancyException"})");
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("NewFancyException"));
}

TEST(DynamoDbError, RetryableAreThrottlingAndUnavailability) {
  EXPECT_TRUE(IsRetryable(Status::Throttled("x")));
  EXPECT_TRUE(IsRetryable(Status::Unavailable("x")));
  EXPECT_FALSE(IsRetryable(Status::InvalidArgument("x")));
  EXPECT_FALSE(IsRetryable(Status::ConditionFailed("x")));
  EXPECT_FALSE(IsRetryable(Status::Internal("x")));
  EXPECT_THAT(
      Error(400, R"({"__type":"x#ThrottlingException","message":"Rate exceeded"})").message(),
      Not(HasSubstr("AWS_ACCESS_KEY_ID")));
}

}  // namespace
}  // namespace vdpark
