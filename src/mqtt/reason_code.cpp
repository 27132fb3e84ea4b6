#include "reason_code.hpp"

namespace tapmq::mqtt {

std::string_view to_string(ReasonCode rc) noexcept {
    using R = ReasonCode;
    switch (rc) {
        case R::Success:
            return "success";
        case R::GrantedQoS1:
            return "granted QoS 1";
        case R::GrantedQoS2:
            return "granted QoS 2";
        case R::DisconnectWithWillMessage:
            return "disconnect with will message";
        case R::NoMatchingSubscribers:
            return "no matching subscribers";
        case R::NoSubscriptionExisted:
            return "no subscription existed";
        case R::ContinueAuthentication:
            return "continue authentication";
        case R::ReAuthenticate:
            return "re-authenticate";
        case R::UnspecifiedError:
            return "unspecified error";
        case R::MalformedPacket:
            return "malformed packet";
        case R::ProtocolError:
            return "protocol error";
        case R::ImplementationSpecificError:
            return "implementation specific error";
        case R::UnsupportedProtocolVersion:
            return "unsupported protocol version";
        case R::ClientIdentifierNotValid:
            return "client identifier not valid";
        case R::BadUserNameOrPassword:
            return "bad user name or password";
        case R::NotAuthorized:
            return "not authorized";
        case R::ServerUnavailable:
            return "server unavailable";
        case R::ServerBusy:
            return "server busy";
        case R::Banned:
            return "banned";
        case R::ServerShuttingDown:
            return "server shutting down";
        case R::BadAuthenticationMethod:
            return "bad authentication method";
        case R::KeepAliveTimeout:
            return "keep alive timeout";
        case R::SessionTakenOver:
            return "session taken over";
        case R::TopicFilterInvalid:
            return "topic filter invalid";
        case R::TopicNameInvalid:
            return "topic name invalid";
        case R::PacketIdentifierInUse:
            return "packet identifier in use";
        case R::PacketIdentifierNotFound:
            return "packet identifier not found";
        case R::ReceiveMaximumExceeded:
            return "receive maximum exceeded";
        case R::TopicAliasInvalid:
            return "topic alias invalid";
        case R::PacketTooLarge:
            return "packet too large";
        case R::MessageRateTooHigh:
            return "message rate too high";
        case R::QuotaExceeded:
            return "quota exceeded";
        case R::AdministrativeAction:
            return "administrative action";
        case R::PayloadFormatInvalid:
            return "payload format invalid";
        case R::RetainNotSupported:
            return "retain not supported";
        case R::QoSNotSupported:
            return "QoS not supported";
        case R::UseAnotherServer:
            return "use another server";
        case R::ServerMoved:
            return "server moved";
        case R::SharedSubscriptionsNotSupported:
            return "shared subscriptions not supported";
        case R::ConnectionRateExceeded:
            return "connection rate exceeded";
        case R::MaximumConnectTime:
            return "maximum connect time";
        case R::SubscriptionIdentifiersNotSupported:
            return "subscription identifiers not supported";
        case R::WildcardSubscriptionsNotSupported:
            return "wildcard subscriptions not supported";
    }
    return "unknown reason code";
}

std::uint8_t to_v3_connack_code(ReasonCode rc) noexcept {
    using R = ReasonCode;
    switch (rc) {
        case R::Success:
            return 0;
        case R::UnsupportedProtocolVersion:
            return 1;
        case R::ClientIdentifierNotValid:
            return 2;
        case R::BadUserNameOrPassword:
        case R::BadAuthenticationMethod:
            return 4;
        case R::NotAuthorized:
        case R::Banned:
            return 5;
        default:
            return 3;  // server unavailable
    }
}

ReasonCode from_v3_connack_code(std::uint8_t code) noexcept {
    using R = ReasonCode;
    switch (code) {
        case 0:
            return R::Success;
        case 1:
            return R::UnsupportedProtocolVersion;
        case 2:
            return R::ClientIdentifierNotValid;
        case 3:
            return R::ServerUnavailable;
        case 4:
            return R::BadUserNameOrPassword;
        case 5:
            return R::NotAuthorized;
        default:
            return R::UnspecifiedError;
    }
}

}  // namespace tapmq::mqtt
