#include "provision/scheduler_client.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "provision/cluster_spec.h"
#include "runtime/aws/json.h"

namespace rankflow::provision {
namespace {

constexpr char kGroup[] = "default";

// "scheduler GetSchedule: 404 ResourceNotFoundException: Schedule x does not exist." from an
// error answer: the type from x-amzn-ErrorType (its part before ':'), else the body's __type
// (after '#'), the message from the body's Message / message.
Status SchedulerError(const std::string& op, const aws::HttpResponse& resp) {
  std::string type = resp.Header("x-amzn-errortype");
  std::string message;
  rapidjson::Document doc;
  doc.Parse(resp.body.c_str(), resp.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    if (type.empty()) type = aws::JsonString(doc, "__type");
    message = aws::JsonString(doc, "Message");
    if (message.empty()) message = aws::JsonString(doc, "message");
  }
  type = type.substr(0, type.find(':'));
  if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
  std::string text = op + ": " + std::to_string(resp.status);
  if (!type.empty()) text += " " + type;
  if (!message.empty()) text += ": " + message;
  StatusCode code = aws::StatusCodeForHttp(resp.status);
  if (type == "ResourceNotFoundException") code = StatusCode::kNotFound;
  if (type == "ConflictException") code = StatusCode::kAlreadyExists;
  return Status(code, text);
}

}  // namespace

std::string AtExpression(int64_t epoch_s) {
  std::string utc = UtcTimestamp(epoch_s);  // "2026-12-04T22:00:00Z": at() takes no zone suffix
  return "at(" + utc.substr(0, utc.size() - 1) + ")";
}

std::string TerminateScheduleBody(int64_t epoch_s, const std::vector<std::string>& instance_ids,
                                  const std::string& role_arn, const std::string& description,
                                  const std::string& client_token) {
  // The universal target's input is the API call's parameters as JSON (PascalCase names).
  rapidjson::StringBuffer input_text;
  {
    rapidjson::Writer<rapidjson::StringBuffer> w(input_text);
    w.StartObject();
    w.Key("InstanceIds");
    w.StartArray();
    for (const auto& id : instance_ids) w.String(id.c_str(), id.size());
    w.EndArray();
    w.EndObject();
  }
  rapidjson::StringBuffer body;
  rapidjson::Writer<rapidjson::StringBuffer> w(body);
  auto pair = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), value.size());
  };
  w.StartObject();
  pair("ScheduleExpression", AtExpression(epoch_s));
  pair("ScheduleExpressionTimezone", "UTC");
  w.Key("FlexibleTimeWindow");
  w.StartObject();
  pair("Mode", "OFF");
  w.EndObject();
  pair("ActionAfterCompletion", "DELETE");
  pair("State", "ENABLED");
  pair("GroupName", kGroup);
  pair("Description", description);
  if (!client_token.empty()) pair("ClientToken", client_token);
  w.Key("Target");
  w.StartObject();
  pair("Arn", kTerminateInstancesTarget);
  pair("RoleArn", role_arn);
  pair("Input", input_text.GetString());
  // A TerminateInstances that fails (throttling) is retried for up to an hour.
  w.Key("RetryPolicy");
  w.StartObject();
  w.Key("MaximumEventAgeInSeconds");
  w.Int(3600);
  w.Key("MaximumRetryAttempts");
  w.Int(185);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return body.GetString();
}

Result<Schedule> ParseSchedule(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument("scheduler GetSchedule: unreadable answer");
  }
  Schedule s;
  s.name = aws::JsonString(doc, "Name");
  s.group = aws::JsonString(doc, "GroupName");
  s.expression = aws::JsonString(doc, "ScheduleExpression");
  s.timezone = aws::JsonString(doc, "ScheduleExpressionTimezone");
  s.state = aws::JsonString(doc, "State");
  s.action_after_completion = aws::JsonString(doc, "ActionAfterCompletion");
  if (doc.HasMember("Target")) {
    const rapidjson::Value& t = doc["Target"];
    s.target_arn = aws::JsonString(t, "Arn");
    s.role_arn = aws::JsonString(t, "RoleArn");
    s.input = aws::JsonString(t, "Input");
  }
  return s;
}

std::vector<std::string> InstanceIdsOfInput(const std::string& input_json) {
  std::vector<std::string> ids;
  rapidjson::Document doc;
  doc.Parse(input_json.c_str(), input_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("InstanceIds") ||
      !doc["InstanceIds"].IsArray()) {
    return ids;
  }
  for (const auto& v : doc["InstanceIds"].GetArray()) {
    if (v.IsString()) ids.push_back(v.GetString());
  }
  return ids;
}

SchedulerClient::SchedulerClient(std::shared_ptr<aws::AwsServiceClient> client)
    : client_(std::move(client)) {}

Result<std::unique_ptr<SchedulerClient>> SchedulerClient::FromEnvironment(
    const std::string& region) {
  aws::EnvLookup env = aws::ProcessEnv();
  auto ep = aws::ResolveServiceEndpoint("scheduler", env, region);
  if (!ep.ok()) return ep.status();
  auto creds = std::make_shared<aws::DefaultCredentialsChain>(env);
  auto http = std::make_shared<aws::HttpClient>();
  return std::make_unique<SchedulerClient>(
      std::make_shared<aws::AwsServiceClient>(*ep, "scheduler", creds, http));
}

Result<std::string> SchedulerClient::Call(const std::string& operation, aws::AwsRequest request) {
  const std::string op = "scheduler " + operation;
  aws::HttpResponse resp;
  RF_RETURN_IF_ERROR(client_->Send(request, op, &resp));
  if (resp.status < 200 || resp.status >= 300) return SchedulerError(op, resp);
  return resp.body;
}

Status SchedulerClient::CreateTerminateSchedule(const std::string& name, int64_t epoch_s,
                                                const std::vector<std::string>& instance_ids,
                                                const std::string& role_arn,
                                                const std::string& description) {
  // The name is a fine idempotency token: a retried request whose first attempt succeeded gets
  // that schedule back instead of ConflictException (where the service honours it).
  std::string body = TerminateScheduleBody(epoch_s, instance_ids, role_arn, description,
                                           name + "-" + std::to_string(epoch_s));
  aws::AwsRequest r;
  r.method = "POST";
  r.path = "/schedules/" + name;
  r.body = body;
  r.content_type = "application/json";
  return Call("CreateSchedule", r).status();
}

Result<Schedule> SchedulerClient::GetSchedule(const std::string& name) {
  aws::AwsRequest r;
  r.method = "GET";
  r.path = "/schedules/" + name;
  r.query = {{"groupName", kGroup}};
  auto body = Call("GetSchedule", r);
  if (!body.ok()) return body.status();
  return ParseSchedule(*body);
}

Status SchedulerClient::DeleteSchedule(const std::string& name) {
  aws::AwsRequest r;
  r.method = "DELETE";
  r.path = "/schedules/" + name;
  r.query = {{"groupName", kGroup}};
  return Call("DeleteSchedule", r).status();
}

Result<std::vector<std::string>> SchedulerClient::ListScheduleNames(const std::string& prefix) {
  std::vector<std::string> names;
  std::string token;
  for (int page = 0; page < 1000; ++page) {
    aws::AwsRequest r;
    r.method = "GET";
    r.path = "/schedules";
    r.query = {{"NamePrefix", prefix}, {"ScheduleGroup", kGroup}};
    if (!token.empty()) r.query.emplace_back("NextToken", token);
    auto body = Call("ListSchedules", r);
    if (!body.ok()) return body.status();
    rapidjson::Document doc;
    doc.Parse(body->c_str(), body->size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return Status::Internal("scheduler ListSchedules: unreadable answer");
    }
    if (doc.HasMember("Schedules") && doc["Schedules"].IsArray()) {
      for (const auto& s : doc["Schedules"].GetArray()) {
        std::string n = aws::JsonString(s, "Name");
        if (!n.empty()) names.push_back(n);
      }
    }
    token = aws::JsonString(doc, "NextToken");
    if (token.empty()) return names;
  }
  return Status::Internal("scheduler ListSchedules: more than 1000 pages");
}

}  // namespace rankflow::provision
