//! The platform's numeric `errcode` values ("全局返回码") as a typed enum.
//!
//! Every API response of the Official Account platform carries an integer
//! `errcode` (absent or `0` on success). [`ErrCode`] names each code this
//! library knows, gives an English and a Chinese one-line meaning, and
//! classifies how a caller should react ([`RetryClass`]). Codes this library
//! does not know are kept verbatim in [`ErrCode::Other`], so converting an
//! integer to an [`ErrCode`] and back never loses information.
//!
//! The table below is the single place where codes are listed; the enum, the
//! lookups and [`ErrCode::ALL`] are all generated from it. Meanings and retry
//! classes follow the project spec (`errors-and-limits.md` §2 and the
//! per-area error lists of `api-reference.md`). Where the spec gives a range
//! without describing a code individually, the English meaning is generic and
//! names the code (for example "conditional menu error 65302"); the Chinese
//! text uses the wording of the official 全局返回码 table where it is known.
//! OAuth authorize-page codes (10003–10016) are not API errors and are not
//! listed.
//!
//! ```
//! use wxoa_types::errcode::{ErrCode, RetryClass};
//!
//! let code = ErrCode::from_code(42001);
//! assert_eq!(code, ErrCode::AccessTokenExpired);
//! assert!(code.is_token_error());
//! assert_eq!(code.retry_class(), RetryClass::RefreshToken);
//! assert_eq!(ErrCode::from_code(12345), ErrCode::Other(12345));
//! ```

use std::fmt;

/// How a caller should react to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetryClass {
    /// Transient: retry with backoff (spec legend "Y").
    Retry,
    /// The access token is bad: refresh it (compare-and-invalidate) and retry once ("T").
    RefreshToken,
    /// A quota or confirmation: retry only later ("L").
    Wait,
    /// A caller or configuration error: do not retry ("N").
    Never,
}

/// Generates [`ErrCode`] and its lookups from one table.
///
/// Row format: `(code, Variant, RetryClass, "English meaning", "中文含义"),`.
/// A code written twice makes the generated `from_code` match contain an
/// unreachable pattern, which the compiler reports.
macro_rules! errcodes {
    ($( ($code:literal, $variant:ident, $class:ident, $en:literal, $zh:literal), )*) => {
        /// A platform `errcode`.
        ///
        /// Build one with [`ErrCode::from_code`] (or `From<i64>`); unknown
        /// codes become [`ErrCode::Other`]. The derived equality is
        /// structural: `Other` is meant for unknown codes only, so
        /// `ErrCode::Other(40001)` is not equal to
        /// [`ErrCode::InvalidCredential`]. The accessors ([`ErrCode::meaning`],
        /// [`ErrCode::retry_class`], …) look such a value up by its number,
        /// so they still answer correctly for it.
        ///
        /// Serialized as the bare integer; deserialized from an integer or a
        /// numeric string such as `"40001"`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrCode {
            $(
                #[doc = concat!("`", stringify!($code), "`: ", $en, ".")]
                $variant,
            )*
            /// Any code this library does not know yet; the raw value is kept.
            Other(i64),
        }

        impl ErrCode {
            /// Every known code, for tests and documentation.
            pub const ALL: &'static [ErrCode] = &[ $( ErrCode::$variant, )* ];

            /// The variant for a raw `errcode`; unknown codes become [`ErrCode::Other`].
            #[must_use]
            pub const fn from_code(code: i64) -> ErrCode {
                match code {
                    $( $code => ErrCode::$variant, )*
                    other => ErrCode::Other(other),
                }
            }

            /// The raw `errcode` value.
            #[must_use]
            pub const fn code(self) -> i64 {
                match self {
                    $( ErrCode::$variant => $code, )*
                    ErrCode::Other(code) => code,
                }
            }

            /// A one-line English description; `"unknown error code"` for unknown codes.
            #[must_use]
            pub const fn meaning(self) -> &'static str {
                match self.normalized() {
                    $( ErrCode::$variant => $en, )*
                    ErrCode::Other(_) => "unknown error code",
                }
            }

            /// A one-line Chinese description; `"未知错误码"` for unknown codes.
            #[must_use]
            pub const fn meaning_zh(self) -> &'static str {
                match self.normalized() {
                    $( ErrCode::$variant => $zh, )*
                    ErrCode::Other(_) => "未知错误码",
                }
            }

            /// How a caller should react to this code; [`RetryClass::Never`]
            /// for unknown codes.
            ///
            /// [`ErrCode::InvalidCredential`] (40001) is
            /// [`RetryClass::RefreshToken`] because that is the right reaction
            /// for business APIs; on the token endpoint itself it means a wrong
            /// AppSecret and must not be retried. [`ErrCode::Ok`] is
            /// [`RetryClass::Never`]: there is nothing to retry.
            #[must_use]
            pub const fn retry_class(self) -> RetryClass {
                match self.normalized() {
                    $( ErrCode::$variant => RetryClass::$class, )*
                    ErrCode::Other(_) => RetryClass::Never,
                }
            }
        }
    };
}

errcodes! {
    // --- general -------------------------------------------------------------
    (-1, SystemBusy, Retry, "system busy, try again later", "系统繁忙，此时请开发者稍候再试"),
    (0, Ok, Never, "request succeeded", "请求成功"),

    // --- 400xx: invalid values -----------------------------------------------
    (40001, InvalidCredential, RefreshToken,
        "invalid credential: wrong AppSecret when fetching a token, or access_token invalid or superseded",
        "获取 access_token 时 AppSecret 错误，或者 access_token 无效。请开发者认真比对 AppSecret 的正确性，或查看是否正在为恰当的公众号调用接口"),
    (40002, InvalidGrantType, Never, "invalid grant_type: it must be client_credential", "不合法的凭证类型"),
    (40003, InvalidOpenId, Never,
        "invalid openid: wrong, not following the account, or belonging to another account",
        "不合法的 OpenID，请开发者确认 OpenID（该用户）是否已关注公众号，或是否是其他公众号的 OpenID"),
    (40004, InvalidMediaType, Never, "invalid media type", "不合法的媒体文件类型"),
    (40005, InvalidFileType, Never, "invalid file type", "不合法的文件类型"),
    (40006, InvalidFileSize, Never, "invalid file size", "不合法的文件大小"),
    (40007, InvalidMediaId, Never, "invalid media_id: wrong or expired (temporary media lasts 3 days)", "不合法的媒体文件 id"),
    (40008, InvalidMessageType, Never, "invalid message type", "不合法的消息类型"),
    (40009, InvalidImageSize, Never, "invalid image size", "不合法的图片文件大小"),
    (40010, InvalidVoiceSize, Never, "invalid voice size", "不合法的语音文件大小"),
    (40011, InvalidVideoSize, Never, "invalid video size", "不合法的视频文件大小"),
    (40012, InvalidThumbSize, Never, "invalid thumbnail size", "不合法的缩略图文件大小"),
    (40013, InvalidAppId, Never, "invalid appid", "不合法的 AppID，请开发者检查 AppID 的正确性，避免异常字符，注意大小写"),
    (40014, InvalidAccessToken, RefreshToken,
        "invalid access_token: malformed or not issued for this account",
        "不合法的 access_token，请开发者认真比对 access_token 的有效性（如是否过期），或查看是否正在为恰当的公众号调用接口"),
    (40015, InvalidMenuType, Never, "invalid menu type (bad button type)", "不合法的菜单类型"),
    (40016, InvalidButtonCount, Never, "invalid number of top-level menu buttons", "不合法的按钮个数"),
    (40017, InvalidButtonType, Never, "invalid button type", "不合法的按钮类型"),
    (40018, InvalidButtonNameLength, Never, "invalid button name length", "不合法的按钮名字长度"),
    (40019, InvalidButtonKeyLength, Never, "invalid button key length", "不合法的按钮 KEY 长度"),
    (40020, InvalidButtonUrlLength, Never, "invalid button url length", "不合法的按钮 URL 长度"),
    (40021, MenuError40021, Never, "menu validation error 40021", "不合法的菜单版本号"),
    (40022, MenuError40022, Never, "menu validation error 40022", "不合法的子菜单级数"),
    (40023, InvalidSubButtonCount, Never, "invalid number of sub-buttons", "不合法的子菜单按钮个数"),
    (40024, InvalidSubButtonType, Never, "invalid sub-button type", "不合法的子菜单按钮类型"),
    (40025, InvalidSubButtonNameLength, Never, "invalid sub-button name length", "不合法的子菜单按钮名字长度"),
    (40026, InvalidSubButtonKeyLength, Never, "invalid sub-button key length", "不合法的子菜单按钮 KEY 长度"),
    (40027, InvalidSubButtonUrlLength, Never, "invalid sub-button url length", "不合法的子菜单按钮 URL 长度"),
    (40028, MenuError40028, Never, "menu validation error 40028", "不合法的自定义菜单使用用户"),
    (40029, InvalidOauthCode, Never, "invalid OAuth code: restart the OAuth flow", "不合法的 oauth_code"),
    (40030, InvalidRefreshToken, Never, "invalid OAuth refresh_token", "不合法的 refresh_token"),
    (40031, InvalidOpenIdList, Never, "invalid openid list: malformed", "不合法的 openid 列表"),
    (40032, InvalidOpenIdListSize, Never, "invalid openid list size: too many openids for this API", "不合法的 openid 列表长度"),
    (40033, InvalidCharset, Never, "invalid charset: the body contains \\uXXXX escapes", "不合法的请求字符，不能包含 \\uxxxx 格式的字符"),
    (40035, InvalidArgs, Never, "invalid argument", "不合法的参数"),
    (40037, InvalidTemplateId, Never, "invalid template_id", "template_id 不正确"),
    (40038, InvalidPackagingType, Never, "invalid packaging type: bad request format", "不合法的请求格式"),
    (40039, InvalidUrlSize, Never, "invalid url size", "不合法的 URL 长度"),
    (40048, InvalidUrl, Never, "invalid url", "无效的 url"),
    (40050, InvalidGroupId, Never, "invalid group id (legacy groups)", "不合法的分组 id"),
    (40051, InvalidGroupName, Never, "invalid group name (legacy groups)", "分组名字不合法"),
    (40053, InvalidActionInfo, Never, "invalid action info (e.g. permanent QR code quota exhausted)", "不合法的 actioninfo，请开发者确认参数正确"),
    (40054, InvalidButtonUrlDomain, Never, "invalid button url domain", "不合法的菜单按钮 URL 域名"),
    (40055, InvalidSubButtonUrlDomain, Never, "invalid sub-button url domain", "不合法的子菜单按钮 URL 域名"),
    (40060, InvalidArticleIdx, Never, "invalid article_idx when deleting one article of a mass send", "删除单篇图文时，指定的 article_idx 不合法"),
    (40102, InvalidIndustryId, Never, "invalid template industry id", "不合法的行业 id"),
    (40117, InvalidGroupName40117, Never, "invalid group name (legacy groups, code 40117)", "分组名字不合法"),
    (40118, InvalidMediaIdSize, Never, "invalid media_id size", "media_id 大小不合法"),
    (40119, InvalidMediaButtonType, Never, "invalid media button type (button)", "button 类型错误"),
    (40120, InvalidMediaSubButtonType, Never, "invalid media button type (sub-button)", "子 button 类型错误"),
    (40121, InvalidMediaIdType, Never, "invalid media_id type", "不合法的 media_id 类型"),
    (40125, InvalidAppSecret, Never, "invalid AppSecret", "无效的 appsecret，请检查 appsecret 的正确性"),
    (40130, OpenIdListTooShort, Never, "invalid openid list size: mass send needs at least two openids", "不合法的 openid 列表长度，群发至少需要两个 openid"),
    (40132, InvalidUsername, Never, "invalid WeChat id (username)", "微信号不合法"),
    (40137, InvalidImageFormat, Never, "unsupported image format", "不支持的图片格式"),
    (40155, OtherAccountHomepageLink, Never, "links to another official account's homepage are not allowed", "请勿添加其他公众号的主页链接"),
    (40163, CodeBeenUsed, Never, "OAuth code already used", "oauth_code 已使用"),
    (40164, IpNotInWhitelist, Never, "caller IP not in the IP whitelist", "调用接口的 IP 地址不在白名单中，请在接口 IP 白名单中进行设置"),

    // --- 410xx: missing parameters -------------------------------------------
    (41001, AccessTokenMissing, Never, "access_token parameter missing", "缺少 access_token 参数"),
    (41002, AppIdMissing, Never, "appid parameter missing", "缺少 appid 参数"),
    (41003, RefreshTokenMissing, Never, "refresh_token parameter missing", "缺少 refresh_token 参数"),
    (41004, AppSecretMissing, Never, "secret parameter missing", "缺少 secret 参数"),
    (41005, MediaDataMissing, Never, "media file data missing", "缺少多媒体文件数据"),
    (41006, MediaIdMissing, Never, "media_id parameter missing", "缺少 media_id 参数"),
    (41007, SubMenuDataMissing, Never, "sub-menu data missing", "缺少子菜单数据"),
    (41008, OauthCodeMissing, Never, "OAuth code missing", "缺少 oauth code"),
    (41009, OpenIdMissing, Never, "openid missing", "缺少 openid"),
    (41030, InvalidPage, Never, "invalid page: the page a subscription notification opens is not valid", "page 路径不正确"),

    // --- 420xx: expired --------------------------------------------------------
    (42001, AccessTokenExpired, RefreshToken, "access_token expired",
        "access_token 超时，请检查 access_token 的有效期，请参考基础支持 - 获取 access_token 中，对 access_token 的详细机制说明"),
    (42002, RefreshTokenExpired, Never, "OAuth refresh_token expired (30 days): re-authorize", "refresh_token 超时"),
    (42003, OauthCodeExpired, Never, "OAuth code expired (older than 5 minutes)", "oauth_code 超时"),
    (42007, UserChangedPassword, Never, "user changed the WeChat password: OAuth tokens revoked, re-authorize", "用户修改微信密码，accesstoken 和 refreshtoken 失效，需要重新授权"),
    (42010, MassSendSameMediaTooFast, Wait, "the same media_id was mass-sent too quickly", "相同 media_id 群发过快，请重试"),

    // --- 430xx: requirements not met ----------------------------------------
    (43001, RequireGet, Never, "GET request required", "需要 GET 请求"),
    (43002, RequirePost, Never, "POST request required", "需要 POST 请求"),
    (43003, RequireHttps, Never, "HTTPS request required", "需要 HTTPS 请求"),
    (43004, RequireSubscribe, Never, "require subscribe: the recipient does not follow the account", "需要接收者关注"),
    (43005, RequireFriend, Never, "friend relationship required", "需要好友关系"),
    (43019, RecipientBlacklisted, Never, "the recipient is blacklisted", "需要将接收者从黑名单中移除"),
    (43100, IndustryChangeTooFrequent, Wait, "template industry changed too often (once per month)", "超过了更换行业的限制，每月最多修改一次"),
    (43101, UserRefusedMessage, Never, "user refused to accept the message", "用户拒绝接受消息，如果用户之前曾经订阅过，则表示用户取消了订阅关系"),
    (43107, SubscribeCapabilityBanned, Never, "the capability or the template is banned: the subscription notification cannot be sent", "订阅消息能力封禁"),

    // --- 440xx: empty data -----------------------------------------------------
    (44001, EmptyMediaData, Never, "media file is empty", "多媒体文件为空"),
    (44002, EmptyPostData, Never, "POST body is empty", "POST 的数据包为空"),
    (44003, EmptyNewsData, Never, "news (article) content is empty", "图文消息内容为空"),
    (44004, EmptyContent, Never, "text content is empty", "文本消息内容为空"),

    // --- 450xx: limits -----------------------------------------------------------
    (45001, MediaSizeOutOfLimit, Never, "media size out of limit", "多媒体文件大小超过限制"),
    (45002, ContentSizeOutOfLimit, Never, "content size out of limit: text too long", "消息内容超过限制"),
    (45003, TitleSizeOutOfLimit, Never, "title size out of limit", "标题字段超过限制"),
    (45004, DescriptionSizeOutOfLimit, Never, "description size out of limit", "描述字段超过限制"),
    (45005, UrlSizeOutOfLimit, Never, "url size out of limit", "链接字段超过限制"),
    (45006, PicUrlSizeOutOfLimit, Never, "picurl size out of limit", "图片链接字段超过限制"),
    (45007, PlaytimeOutOfLimit, Never, "voice playtime out of limit (over 60 s)", "语音播放时间超过限制"),
    (45008, ArticleSizeOutOfLimit, Never, "article size out of limit: too many articles", "图文消息超过限制"),
    (45009, ApiDailyQuotaReached, Wait,
        "reach max api daily quota limit: daily quota for this API exhausted",
        "接口调用超过限制"),
    (45010, CreateMenuLimit, Wait, "create menu limit reached", "创建菜单个数超过限制"),
    (45011, ApiMinuteQuotaReached, Wait, "API called too frequently: per-minute quota reached", "API 调用太频繁，请稍候再试"),
    (45015, ResponseOutOfTimeLimit, Never,
        "response out of time limit: outside the 48-hour customer-service window, or the user unfollowed",
        "回复时间超过限制"),
    (45016, SystemGroupCannotChange, Never, "system group cannot be modified (legacy groups)", "系统分组，不允许修改"),
    (45017, GroupNameTooLong, Never, "group name too long (legacy groups)", "分组名字过长"),
    (45018, TooManyGroups, Never, "too many groups (legacy groups)", "分组数量超过上限"),
    (45026, TemplateNumExceedsLimit, Never, "template count exceeds the limit (25)", "模板数量超过限制"),
    (45027, TemplateConflictWithIndustry, Never, "template conflicts with the account's industry", "模板与行业信息冲突"),
    (45028, NoMassSendQuota, Wait, "no mass-send quota left (daily or monthly)", "没有群发配额"),
    (45029, QrCodeCountOutOfLimit, Never, "QR code count out of limit: permanent QR quota (100,000) exhausted", "二维码数量超过限制"),
    (45047, OutOfResponseCountLimit, Never,
        "out of response count limit: customer-service per-interaction quota exceeded",
        "客服接口下行条数超过上限"),
    (45056, TooManyTags, Never, "too many tags (100 per account)", "创建的标签数过多，请注意不能超过100个"),
    (45057, TagHasTooManyFans, Never, "the tag has more than 100,000 fans and cannot be deleted directly", "该标签下粉丝数超过10w，不允许直接删除"),
    (45058, CannotModifyReservedTag, Never, "reserved tags 0, 1 and 2 cannot be modified", "不能修改0/1/2这三个系统默认保留的标签"),
    (45059, UserHasTooManyTags, Never, "the user already has too many tags (20)", "有粉丝身上的标签数已经超过限制，即超过20个"),
    (45062, AccountHasAds, Never, "the account runs ads: API mass send not allowed", "已接广告，不支持 api 群发"),
    (45064, NoPermissionToUseWeappInMenu, Never, "no permission to use weapp in menu: the mini program is not linked", "创建菜单包含未关联的小程序"),
    (45065, ClientMsgIdExists, Never,
        "clientmsgid exists: duplicate mass send, the response carries the existing msg_id",
        "相同 clientmsgid 已存在群发记录，返回数据中带有已存在的群发任务的 msgid"),
    (45066, ClientMsgIdRetryTooFast, Wait, "the same clientmsgid was retried within 1 minute", "相同 clientmsgid 重试速度过快，请间隔1分钟重试"),
    (45067, ClientMsgIdTooLong, Never, "clientmsgid too long (over 64 bytes)", "clientmsgid 长度超过限制"),
    (45072, InvalidTypingCommand, Never, "invalid typing command", "command 字段取值不对"),
    (45080, TypingNeedsRecentInteraction, Never, "typing needs a user interaction within the last 30 s", "下发输入状态，需要之前30秒内跟用户有过消息交互"),
    (45081, AlreadyTyping, Never, "already in typing state", "已经在输入状态，不可重复下发"),
    (45083, InvalidMassSendSpeed, Never, "mass-send speed not in 0..=4", "设置的 speed 参数不在0到4的范围内"),
    (45084, MassSendSpeedMissing, Never, "mass-send speed missing", "没有设置 speed 参数"),
    (45157, DuplicateTagName, Never, "duplicate tag name", "标签名非法，请注意不能和其他标签重名"),
    (45158, TagNameTooLong, Never, "tag name longer than 30 bytes", "标签名长度超过30个字节"),
    (45159, InvalidTagId, Never, "invalid tag_id", "非法的 tag_id"),
    (45168, SensitiveWords, Never, "the content has sensitive words", "命中敏感词"),

    // --- 460xx: not found --------------------------------------------------------
    (46001, MediaDataNotExist, Never, "media data does not exist", "不存在媒体数据"),
    (46002, MenuVersionNotExist, Never, "menu version does not exist", "不存在的菜单版本"),
    (46003, MenuNotExist, Never, "menu does not exist", "不存在的菜单数据"),
    (46004, UserNotExist, Never, "user does not exist", "不存在的用户"),

    // --- 470xx: malformed data ---------------------------------------------------
    (47001, DataFormatError, Never, "data format error: JSON/XML parse error", "解析 JSON/XML 内容错误"),
    (47003, ArgumentInvalid, Never,
        "argument invalid: a parameter value violates its rules (errmsg names the field)",
        "参数值不符合限制要求，详情可参考参数值内容限制说明"),
    (47009, ApiOffline, Never,
        "this api is offline, please use the new api (the original article analytics)",
        "该接口已下线，请使用新接口"),

    // --- 480xx: permissions ------------------------------------------------------
    (48001, ApiUnauthorized, Never,
        "api unauthorized: the account lacks permission for this API (type or verification)",
        "api 功能未授权，请确认公众号已获得该接口，可以在公众平台官网 - 开发者中心页中查看接口权限"),
    (48002, UserRejectsMessages, Never, "the user turned off \"receive messages\"", "粉丝拒收消息（粉丝在公众号选项中，关闭了“接收消息”）"),
    (48004, ApiForbidden, Never, "api forbidden: this API is banned for the account", "api 接口被封禁，请登录 mp.weixin.qq.com 查看详情"),
    (48005, MaterialInUse, Never, "the material is referenced by an auto-reply or menu and cannot be deleted", "api 禁止删除被自动回复和自定义菜单引用的素材"),
    (48006, ClearQuotaLimitReached, Wait, "forbid to clear quota: clear_quota already used 10 times this month", "api 禁止清零调用次数，因为清零次数达到上限"),
    (48008, NoPermissionForMsgType, Never, "no permission for this msgtype", "没有该类型消息的发送权限"),
    (49003, OpenIdNotOfThisAppId, Never, "the openid does not belong to this AppID", "传入的 openid 不属于此 AppID"),

    // --- 500xx: user state -------------------------------------------------------
    (50001, UserUnauthorizedApi, Never, "the user has not authorized this API (scope or permission)", "用户未授权该 api"),
    (50002, UserLimited, Never, "user limited: restricted after a violation", "用户受限，可能是违规后接口被封禁"),
    (50005, UserNotSubscribed, Never, "the user does not follow the account", "用户未关注公众号"),

    // --- 535xx/536xx: free publish -------------------------------------------
    (53500, PublishBanned, Never, "publishing is banned", "发布功能被封禁"),
    (53501, PublishTooFrequent, Wait, "publish requested too frequently", "频繁请求发布"),
    (53502, InvalidPublishId, Never, "invalid publish_id", "Publish ID 无效"),
    (53600, InvalidArticleId, Never, "invalid article_id", "Article ID 无效"),

    // --- 610xx: open platform (component) ------------------------------------
    (61004, ComponentIpNotWhitelisted, Never,
        "caller IP not in the third-party platform's IP whitelist (access clientip is not registered)",
        "调用接口的 IP 地址不在第三方平台的白名单IP地址列表中"),
    (61023, InvalidComponentRefreshToken, Never, "refresh_token is invalid (component authorizer refresh token)", "开放平台授权方 refresh_token 无效"),
    (61024, MustUseComponentToken, Never,
        "must use api(api_component_token) to get token for component acct",
        "第三方平台帐号须通过 api_component_token 接口获取令牌"),

    // --- 614xx/615xx: customer-service accounts ------------------------------
    (61450, KfSystemError, Retry, "customer-service system error", "系统错误"),
    (61451, KfInvalidParameter, Never, "invalid parameter (customer-service accounts)", "参数错误"),
    (61452, InvalidKfAccount, Never, "invalid kf_account", "无效客服帐号"),
    (61453, KfAccountExists, Never, "kf_account already exists", "客服帐号已存在"),
    (61454, KfAccountNameTooLong, Never, "kf_account name too long (prefix of at most 10 letters or digits)",
        "客服帐号名长度超过限制（仅允许 10 个英文字符，不包括 @ 及 @ 后的公众号的微信号）"),
    (61455, KfAccountIllegalCharacter, Never, "illegal character in kf_account (letters and digits only)", "客服帐号名包含非法字符（仅允许英文 + 数字）"),
    (61456, TooManyKfAccounts, Never, "too many kf_accounts", "客服帐号个数超过限制"),
    (61457, InvalidKfAvatarType, Never, "invalid avatar file type", "无效头像文件类型"),
    (61500, DateFormatError, Never, "date format error", "日期格式错误"),
    (61501, DateRangeError, Never,
        "date range error: the range is longer than the endpoint allows (analytics)",
        "日期范围错误"),
    (61503, DataNotReady, Wait,
        "data not ready: yesterday's analytics are ready in the morning (after 08:00 Beijing)",
        "数据未就绪，请稍后重试"),

    // --- 630xx: JS-SDK / cards -----------------------------------------------
    (63001, SomeParamsEmpty, Never, "some parameters are empty (JS-SDK/card)", "部分参数为空"),
    (63002, InvalidJsSdkSignature, Never, "invalid signature (JS-SDK/card)", "无效的签名"),

    // --- 653xx: conditional menus --------------------------------------------
    (65301, ConditionalMenuNotExist, Never, "no conditional menu with this menuid", "不存在此 menuid 对应的个性化菜单"),
    (65302, ConditionalMenuError65302, Never, "conditional menu error 65302", "没有相应的用户"),
    (65303, NoDefaultMenu, Never, "no default menu yet, so no conditional menu can be created", "没有默认菜单，不能创建个性化菜单"),
    (65304, EmptyMatchRule, Never, "empty matchrule", "MatchRule 信息为空"),
    (65305, ConditionalMenuLimit, Never, "conditional menu count limit reached", "个性化菜单数量受限"),
    (65306, ConditionalMenuError65306, Never, "conditional menu error 65306", "不支持个性化菜单的帐号"),
    (65307, EmptyConditionalMenu, Never, "conditional menu is empty", "个性化菜单信息为空"),
    (65308, ButtonWithoutAction, Never, "a button has no action (response type)", "包含没有响应类型的 button"),
    (65309, ConditionalMenuDisabled, Never, "conditional menus are switched off", "个性化菜单开关处于关闭状态"),
    (65310, MenuRegionRuleError65310, Never, "conditional menu region rule error 65310", "填写了省份或城市信息，国家信息不能为空"),
    (65311, MenuRegionRuleError65311, Never, "conditional menu region rule error 65311", "填写了城市信息，省份信息不能为空"),
    (65312, MenuRegionRuleError65312, Never, "conditional menu region rule error 65312", "不合法的国家信息"),
    (65313, MenuRegionRuleError65313, Never, "conditional menu region rule error 65313", "不合法的省份信息"),
    (65314, MenuRegionRuleError65314, Never, "conditional menu region rule error 65314", "不合法的城市信息"),
    (65315, ConditionalMenuError65315, Never, "conditional menu error 65315", "个性化菜单错误 65315"),
    (65316, TooManyMenuDomains, Never, "the menu links to too many external domains (at most 3)", "该公众号的菜单设置了过多的域名外跳（最多跳转到 3 个域名的链接）"),
    (65317, InvalidMenuUrl, Never, "invalid URL in the menu", "不合法的 URL"),

    // --- 654xx: new customer-service system ----------------------------------
    (65400, NewKfError65400, Never, "the new customer-service system is not enabled for the account", "API 不可用，即没有开通/升级到新版客服功能"),
    (65401, NewKfError65401, Never, "invalid kf_account: no such customer-service agent", "无效客服帐号"),
    (65402, NewKfError65402, Never, "the customer-service agent is not bound to a WeChat id", "客服帐号尚未绑定微信号，不能投入使用"),
    (65403, NewKfError65403, Never, "new customer-service system error 65403", "客服昵称不合法"),
    (65404, NewKfError65404, Never, "new customer-service system error 65404", "新版客服系统错误 65404"),
    (65405, NewKfError65405, Never, "new customer-service system error 65405", "新版客服系统错误 65405"),
    (65406, NewKfError65406, Never, "new customer-service system error 65406", "新版客服系统错误 65406"),
    (65407, NewKfError65407, Never, "new customer-service system error 65407", "邀请对象已经是本公众号客服"),
    (65408, NewKfError65408, Never, "new customer-service system error 65408", "本公众号已发送邀请给该微信号"),
    (65409, NewKfError65409, Never, "new customer-service system error 65409", "无效的微信号"),
    (65410, NewKfError65410, Never, "new customer-service system error 65410", "邀请对象绑定公众号客服数量达到上限"),
    (65411, NewKfError65411, Never, "new customer-service system error 65411", "该帐号已经有一个等待确认的邀请，不能重复邀请"),
    (65412, NewKfError65412, Never, "new customer-service system error 65412", "该帐号已经绑定微信号，不能进行邀请"),
    (65413, KfNoSession, Never, "the user has no customer-service session", "不存在对应用户的会话信息"),
    (65414, KfUserServedByAnother, Never, "the user is in a session with another agent", "粉丝正在被其他客服接待"),
    (65415, KfAgentOffline, Never, "the customer-service agent is not online", "指定的客服不在线"),
    (65416, KfInvalidQueryParams, Never, "invalid query parameters (message record)", "查询参数不合法"),
    (65417, KfTimeRangeTooLong, Never, "the query's time range is too long (message record: at most 24 hours)", "查询时间段超出限制"),

    // --- 870xx: signatures and content security ------------------------------
    (87009, InvalidSignature, Never, "invalid signature", "无效的签名"),
    (87014, RiskyContent, Never, "risky content: the content security check failed", "内容含有违法违规内容"),

    // --- 880xx: article comments ----------------------------------------------
    (88000, NoCommentPrivilege, Never, "without comment privilege: the account may not manage comments", "没有留言权限"),
    (88001, CommentArticleNotFound, Never, "msg_data is not exists: no such article (msg_data_id and index)", "该图文不存在"),
    (88002, CommentArticleLimited, Never, "the article is limited for safety: comments cannot be opened", "文章存在敏感信息"),
    (88003, ElectedCommentLimit, Never, "elected comment upper limit reached", "精选评论数已达上限"),
    (88004, CommentDeletedByUser, Never, "the comment was deleted by its writer", "评论已被用户删除"),
    (88005, CommentAlreadyReplied, Never, "the comment was already replied to (one reply per comment)", "已经回复过了"),
    (88007, CommentReplyLength, Never, "reply content empty or beyond the maximum length", "回复超过长度限制或为0"),
    (88008, CommentNotFound, Never, "comment is not exists", "该评论不存在"),
    (88010, CommentCountRange, Never, "count range error: a comment page holds 1 to 49", "获取评论数目不合法"),

    // --- 895xx: administrator confirmation -----------------------------------
    (89501, IpAwaitingAdminConfirmation, Wait, "this IP is waiting for administrator confirmation", "此 IP 正在等待管理员确认，请联系管理员"),
    (89502, AdminConfirmationError89502, Wait, "administrator-confirmation error 89502", "管理员确认相关错误 89502"),
    (89503, IpNeedsAdminConfirmation, Wait,
        "calls from this IP need administrator confirmation (a request was sent to the administrator)",
        "此 IP 调用需要管理员确认，请联系管理员"),
    (89504, MassSendInApproval, Wait, "the mass send is still in approval", "群发仍在审批流程中"),
    (89505, MassSendAwaitingAdminConfirmation, Wait, "the mass send is awaiting administrator confirmation", "群发进入管理员确认流程"),
    (89506, IpRejectedTwiceIn24Hours, Wait,
        "this IP was rejected by the administrator twice within 24 h and is blocked for 24 h",
        "24小时内该 IP 被管理员拒绝调用两次，24小时内不可再使用该 IP 调用"),
    (89507, IpRejectedOnceIn1Hour, Wait,
        "this IP was rejected by the administrator once within 1 h and is blocked for 1 h",
        "1小时内该 IP 被管理员拒绝调用一次，1小时内不可再使用该 IP 调用"),

    // --- 1010xx: OCR ------------------------------------------------------------
    (101001, CertificateNotFound, Never, "certificate not found: the image shows no card or document", "证件未找到"),

    // --- 2000xx: subscription notification templates ---------------------------
    (200011, SubscribeAccountBanned, Never, "the account is banned from subscription notification templates", "此账号已被封禁，无法操作"),
    (200013, SubscribeTemplateBanned, Never, "the template is banned: it cannot be added", "此模板已被封禁，无法选用"),

    // --- 94100xx: short keys -------------------------------------------------
    (9410010, ShortenLongDataTooLong, Never, "shorten: long_data too long", "shorten：long_data 长度超过限制"),
    (9410011, ShortenExpireSecondsTooLarge, Never, "shorten: expire_seconds too large", "shorten：expire_seconds 超过上限"),
}

impl ErrCode {
    /// The same code with `Other(n)` replaced by the named variant when `n`
    /// is known, so that the accessors answer by number.
    const fn normalized(self) -> ErrCode {
        match self {
            ErrCode::Other(code) => ErrCode::from_code(code),
            known => known,
        }
    }

    /// Whether the code says the access token is bad (40001, 40014, 42001):
    /// refresh it and retry once.
    #[must_use]
    pub const fn is_token_error(self) -> bool {
        matches!(
            self.normalized(),
            ErrCode::InvalidCredential | ErrCode::InvalidAccessToken | ErrCode::AccessTokenExpired
        )
    }

    /// Whether the code is `0` (success).
    #[must_use]
    pub const fn is_ok(self) -> bool {
        self.code() == 0
    }

    /// Whether this library knows the code (it is not [`ErrCode::Other`]
    /// holding an unknown value).
    #[must_use]
    pub const fn is_known(self) -> bool {
        !matches!(self.normalized(), ErrCode::Other(_))
    }
}

impl From<i64> for ErrCode {
    fn from(code: i64) -> Self {
        ErrCode::from_code(code)
    }
}

impl From<ErrCode> for i64 {
    fn from(code: ErrCode) -> Self {
        code.code()
    }
}

impl fmt::Display for ErrCode {
    /// `"{code} ({meaning})"`, e.g.
    /// `45009 (reach max api daily quota limit: daily quota for this API exhausted)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.meaning())
    }
}

impl serde::Serialize for ErrCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for ErrCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ErrCodeVisitor)
    }
}

/// Accepts an integer or a string holding a decimal integer.
struct ErrCodeVisitor;

impl serde::de::Visitor<'_> for ErrCodeVisitor {
    type Value = ErrCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer errcode or a string holding one")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ErrCode, E> {
        Ok(ErrCode::from_code(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ErrCode, E> {
        i64::try_from(v)
            .map(ErrCode::from_code)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ErrCode, E> {
        v.trim()
            .parse::<i64>()
            .map(ErrCode::from_code)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_known_code_round_trips() {
        for &code in ErrCode::ALL {
            assert_eq!(ErrCode::from_code(code.code()), code, "{code:?}");
            assert_eq!(ErrCode::from(i64::from(code)), code);
            assert!(code.is_known());
            assert!(!matches!(code, ErrCode::Other(_)));
        }
    }

    #[test]
    fn all_has_no_duplicate_codes() {
        let mut seen = HashSet::new();
        for code in ErrCode::ALL {
            assert!(seen.insert(code.code()), "duplicate code {}", code.code());
        }
        assert_eq!(seen.len(), ErrCode::ALL.len());
    }

    #[test]
    fn meanings_are_single_nonempty_lines() {
        for &code in ErrCode::ALL {
            for text in [code.meaning(), code.meaning_zh()] {
                assert!(!text.trim().is_empty(), "{code:?}");
                assert!(!text.contains('\n'), "{code:?}");
            }
            assert_ne!(code.meaning(), "unknown error code", "{code:?}");
        }
    }

    #[test]
    fn spec_table_codes_are_all_present() {
        let ranges: [(i64, i64); 9] = [
            (40009, 40012),
            (40015, 40028),
            (40118, 40121),
            (44001, 44004),
            (45003, 45006),
            (61450, 61457),
            (65301, 65317),
            (65400, 65417),
            (89501, 89507),
        ];
        for (lo, hi) in ranges {
            for code in lo..=hi {
                assert!(ErrCode::from_code(code).is_known(), "{code} missing");
            }
        }
        let singles: &[i64] = &[
            -1, 0, 40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40013, 40014, 40029,
            40030, 40031, 40032, 40033, 40035, 40037, 40038, 40039, 40048, 40050, 40051, 40053,
            40054, 40055, 40060, 40102, 40117, 40125, 40130, 40132, 40137, 40155, 40163, 40164,
            41001, 41002, 41003, 41004, 41005, 41006, 41007, 41008, 41009, 42001, 42002, 42003,
            42007, 42010, 43001, 43002, 43003, 43004, 43005, 43019, 43100, 43101, 45001, 45002,
            45007, 45008, 45009, 45010, 45011, 45015, 45016, 45017, 45018, 45026, 45027, 45028,
            45029, 45047, 45056, 45057, 45058, 45059, 45062, 45064, 45065, 45066, 45067, 45072,
            45080, 45081, 45083, 45084, 45157, 45158, 45159, 46001, 46002, 46003, 46004, 47001,
            47003, 48001, 48002, 48004, 48005, 48006, 48008, 49003, 50001, 50002, 50005, 53500,
            53501, 53502, 53600, 61023, 61024, 61500, 61501, 61503, 47009, 63001, 63002, 87009,
            87014, 88000, 88001, 88002, 88003, 88004, 88005, 88007, 88008, 88010, 9410010, 9410011,
            41030, 43107, 45168, 101001, 200011, 200013,
        ];
        for &code in singles {
            assert!(ErrCode::from_code(code).is_known(), "{code} missing");
        }
    }

    #[test]
    fn token_errors() {
        for code in [40001, 40014, 42001] {
            let e = ErrCode::from_code(code);
            assert!(e.is_token_error(), "{code}");
            assert_eq!(e.retry_class(), RetryClass::RefreshToken, "{code}");
        }
        assert_eq!(ErrCode::from_code(40001), ErrCode::InvalidCredential);
        assert_eq!(ErrCode::from_code(40014), ErrCode::InvalidAccessToken);
        assert_eq!(ErrCode::from_code(42001), ErrCode::AccessTokenExpired);
        let token_errors = ErrCode::ALL.iter().filter(|c| c.is_token_error()).count();
        assert_eq!(token_errors, 3);
        assert!(!ErrCode::InvalidOpenId.is_token_error());
        assert!(!ErrCode::Other(12345).is_token_error());
    }

    #[test]
    fn retry_classes() {
        assert_eq!(ErrCode::from_code(-1), ErrCode::SystemBusy);
        assert_eq!(ErrCode::SystemBusy.retry_class(), RetryClass::Retry);
        assert_eq!(ErrCode::from_code(45009), ErrCode::ApiDailyQuotaReached);
        assert_eq!(
            ErrCode::ApiDailyQuotaReached.retry_class(),
            RetryClass::Wait
        );
        assert_eq!(
            ErrCode::ApiMinuteQuotaReached.retry_class(),
            RetryClass::Wait
        );
        assert_eq!(ErrCode::from_code(40003).retry_class(), RetryClass::Never);
        assert_eq!(ErrCode::from_code(61450).retry_class(), RetryClass::Retry);
        assert_eq!(ErrCode::from_code(53501).retry_class(), RetryClass::Wait);
        assert_eq!(ErrCode::from_code(53500).retry_class(), RetryClass::Never);
        assert_eq!(ErrCode::from_code(89507).retry_class(), RetryClass::Wait);
        assert_eq!(ErrCode::from_code(45015).retry_class(), RetryClass::Never);
        assert_eq!(ErrCode::Other(12345).retry_class(), RetryClass::Never);
    }

    #[test]
    fn ok_code() {
        assert!(ErrCode::from_code(0).is_ok());
        assert_eq!(ErrCode::from_code(0), ErrCode::Ok);
        assert!(!ErrCode::SystemBusy.is_ok());
        assert!(!ErrCode::Other(12345).is_ok());
    }

    #[test]
    fn unknown_codes_are_kept() {
        let e = ErrCode::from_code(12345);
        assert_eq!(e, ErrCode::Other(12345));
        assert_eq!(e.code(), 12345);
        assert_eq!(ErrCode::from_code(e.code()), e);
        assert!(!e.is_known());
        assert_eq!(e.meaning(), "unknown error code");
        assert_eq!(e.meaning_zh(), "未知错误码");
        assert_eq!(i64::from(e), 12345);
    }

    #[test]
    fn other_holding_a_known_code_answers_by_number() {
        let e = ErrCode::Other(40001);
        assert!(e.is_known());
        assert!(e.is_token_error());
        assert_eq!(e.meaning(), ErrCode::InvalidCredential.meaning());
        assert_eq!(e.retry_class(), RetryClass::RefreshToken);
    }

    #[test]
    fn serde_round_trip() {
        let from_number: ErrCode = serde_json::from_str("40001").unwrap();
        assert_eq!(from_number, ErrCode::InvalidCredential);
        let from_string: ErrCode = serde_json::from_str("\"40001\"").unwrap();
        assert_eq!(from_string, ErrCode::InvalidCredential);
        let negative: ErrCode = serde_json::from_str("\"-1\"").unwrap();
        assert_eq!(negative, ErrCode::SystemBusy);
        let unknown: ErrCode = serde_json::from_str("12345").unwrap();
        assert_eq!(unknown, ErrCode::Other(12345));

        assert_eq!(
            serde_json::to_string(&ErrCode::ApiDailyQuotaReached).unwrap(),
            "45009"
        );
        assert_eq!(serde_json::to_string(&ErrCode::SystemBusy).unwrap(), "-1");
        assert_eq!(
            serde_json::to_string(&ErrCode::Other(12345)).unwrap(),
            "12345"
        );
        assert_eq!(
            serde_json::to_value(ErrCode::Ok).unwrap(),
            serde_json::json!(0)
        );

        assert!(serde_json::from_str::<ErrCode>("\"abc\"").is_err());
        assert!(serde_json::from_str::<ErrCode>("1.5").is_err());
        assert!(serde_json::from_str::<ErrCode>("18446744073709551615").is_err());
        assert!(serde_json::from_str::<ErrCode>("null").is_err());

        #[derive(serde::Deserialize)]
        struct Body {
            errcode: ErrCode,
        }
        let body: Body = serde_json::from_str(r#"{"errcode":45009,"errmsg":"x"}"#).unwrap();
        assert_eq!(body.errcode, ErrCode::ApiDailyQuotaReached);
    }

    #[test]
    fn retry_class_serializes_snake_case() {
        assert_eq!(
            serde_json::to_string(&RetryClass::RefreshToken).unwrap(),
            "\"refresh_token\""
        );
        assert_eq!(
            serde_json::to_string(&RetryClass::Never).unwrap(),
            "\"never\""
        );
    }

    #[test]
    fn display_contains_code_and_meaning() {
        let shown = ErrCode::ApiDailyQuotaReached.to_string();
        assert_eq!(
            shown,
            "45009 (reach max api daily quota limit: daily quota for this API exhausted)"
        );
        assert!(ErrCode::Other(12345).to_string().contains("12345"));
        for &code in ErrCode::ALL {
            assert!(code.to_string().starts_with(&code.code().to_string()));
        }
    }
}
