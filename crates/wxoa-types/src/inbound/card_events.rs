//! Card events (`card_pass_check`, `user_get_card`, …): the payloads of the card system's
//! variants of [`Event`](super::Event).

use crate::xml_struct;

use super::fields::Word;

xml_struct! {
    /// A card passed review.
    pub struct CardPassCheck {
        /// Card id.
        card_id: String = "CardId",
    }
}

xml_struct! {
    /// A card failed review.
    pub struct CardNotPassCheck {
        /// Card id.
        card_id: String = "CardId",
        /// Why.
        refuse_reason: Option<String> = "RefuseReason",
    }
}

xml_struct! {
    /// A user received a card.
    pub struct UserGetCard {
        /// Card id.
        card_id: String = "CardId",
        /// Whether a friend gave it.
        is_give_by_friend: Option<bool> = "IsGiveByFriend",
        /// The giving friend's OpenID.
        friend_user_name: Option<String> = "FriendUserName",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// The code before a gift.
        old_user_card_code: Option<String> = "OldUserCardCode",
        /// Channel id of the card QR code.
        outer_id: Option<i64> = "OuterId",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
        /// Whether a deleted member card was restored.
        is_restore_member_card: Option<bool> = "IsRestoreMemberCard",
        /// Whether a friend recommended it.
        is_recommend_by_friend: Option<bool> = "IsRecommendByFriend",
        /// The user's UnionID.
        union_id: Option<String> = "UnionId",
    }
}

xml_struct! {
    /// A user gave a card to a friend.
    pub struct UserGiftingCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Whether the gift came back.
        is_return_back: Option<bool> = "IsReturnBack",
        /// The friend's OpenID.
        friend_user_name: Option<String> = "FriendUserName",
        /// Whether it was given in a group chat.
        is_chat_room: Option<bool> = "IsChatRoom",
    }
}

xml_struct! {
    /// A card event that names the card and the user's code.
    pub struct UserCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
    }
}

xml_struct! {
    /// A card was redeemed.
    pub struct UserConsumeCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// `FROM_API`, `FROM_MP`, `FROM_MOBILE_HELPER`, …
        consume_source: Option<Word> = "ConsumeSource",
        /// Store name.
        location_name: Option<String> = "LocationName",
        /// OpenID of the staff member.
        staff_open_id: Option<String> = "StaffOpenId",
        /// Verification code.
        verify_code: Option<String> = "VerifyCode",
        /// Amount note.
        remark_amount: Option<String> = "RemarkAmount",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
    }
}

xml_struct! {
    /// A payment through a card's pay cell.
    pub struct UserPayFromPayCell {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Payment transaction id.
        trans_id: Option<String> = "TransId",
        /// Store id.
        location_id: Option<i64> = "LocationId",
        /// Amount paid, in cents.
        fee: Option<i64> = "Fee",
        /// Amount before discount, in cents.
        original_fee: Option<i64> = "OriginalFee",
    }
}

xml_struct! {
    /// A user opened a card.
    pub struct UserViewCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Channel string.
        outer_str: Option<String> = "OuterStr",
    }
}

xml_struct! {
    /// Points or balance of a member card changed.
    pub struct UpdateMemberCard {
        /// Card id.
        card_id: String = "CardId",
        /// The card's code.
        user_card_code: Option<String> = "UserCardCode",
        /// Change of points.
        modify_bonus: Option<i64> = "ModifyBonus",
        /// Change of balance.
        modify_balance: Option<i64> = "ModifyBalance",
    }
}

xml_struct! {
    /// A card's stock is low.
    pub struct CardSkuRemind {
        /// Card id.
        card_id: String = "CardId",
        /// Description.
        detail: Option<String> = "Detail",
    }
}

xml_struct! {
    /// A coin order of the card system.
    pub struct CardPayOrder {
        /// Order id.
        order_id: String = "OrderId",
        /// Order status.
        status: Option<Word> = "Status",
        /// When the order was created.
        create_order_time: Option<i64> = "CreateOrderTime",
        /// When it was paid.
        pay_finish_time: Option<i64> = "PayFinishTime",
        /// Description.
        desc: Option<String> = "Desc",
        /// Free coins.
        free_coin_count: Option<String> = "FreeCoinCount",
        /// Paid coins.
        pay_coin_count: Option<String> = "PayCoinCount",
        /// Refunded free coins.
        refund_free_coin_count: Option<String> = "RefundFreeCoinCount",
        /// Refunded paid coins.
        refund_pay_coin_count: Option<String> = "RefundPayCoinCount",
        /// Order type.
        order_type: Option<Word> = "OrderType",
        /// Memo.
        memo: Option<String> = "Memo",
        /// Receipt information.
        receipt_info: Option<String> = "ReceiptInfo",
    }
}
