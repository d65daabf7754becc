package demo

// Texts the sample mail is made from. English and Chinese are both
// written for the demo; nothing here is real correspondence.

var me = person{DisplayName, Address}

var peopleEN = []person{
	{"Alice Chen", "alice.chen@example.com"},
	{"Bob Miller", "bob@example.org"},
	{"Carol Davis", "carol.davis@example.net"},
	{"David Kim", "dkim@example.com"},
	{"Emma Wilson", "emma.w@example.org"},
	{"Frank Lopez", "frank@example.net"},
	{"Grace Liu", "grace.liu@example.com"},
	{"Henry Brown", "henry@example.org"},
}

var peopleZH = []person{
	{"张伟", "zhang.wei@example.com"},
	{"李娜", "li.na@example.net"},
	{"王芳", "wangfang@example.org"},
	{"刘洋", "liu.yang@example.com"},
	{"陈静", "chenjing@example.net"},
	{"杨磊", "yang.lei@example.org"},
	{"赵敏", "zhao.min@example.com"},
	{"黄晓明", "huang.xm@example.net"},
}

// topic is a conversation: its subject, the opening message and the
// replies that follow it (generic replies fill longer threads).
type topic struct {
	zh      bool
	subject string
	lines   []string
}

var topics = []topic{
	{false, "Quarterly planning: Q3 goals", []string{
		"Hi all,\n\nI've put together a first list of goals for next quarter. The big ones are the offline mode, faster search and a cleaner settings page.\n\nCould you each add your estimates by Thursday?\n\nThanks!",
		"Thanks for starting this. Offline mode feels like the most valuable item; I'd put search second.\n\nI can take the settings page if nobody else wants it.",
		"Added my estimates. Search is about two weeks if we keep the current index format.",
	}},
	{false, "Lunch on Friday?", []string{
		"Anyone up for lunch on Friday? The new noodle place on Pine Street opened last week.",
		"Count me in! 12:30 works for me.",
		"Same here. I'll book a table for four.",
	}},
	{false, "Server migration schedule", []string{
		"Hello,\n\nThe mail server migration is planned for Saturday night, 22:00 to 02:00. Expect short interruptions.\n\nPlease let me know if this clashes with anything important.",
		"Saturday is fine for our team. Will the old IMAP hostname keep working?",
		"Yes, the old hostname will point to the new machines, so nothing changes for clients.",
	}},
	{false, "Book club: next read", []string{
		"Our next meeting is in two weeks. Suggestions so far: \"The Three-Body Problem\", \"Piranesi\" and \"A Gentleman in Moscow\".\n\nVote by replying!",
		"I vote for The Three-Body Problem. I've wanted to read it in the original for years.",
		"Piranesi for me, it's short and strange in the best way.",
	}},
	{false, "Code review: parser refactor", []string{
		"I've pushed the parser refactor to a branch. The main change is that header decoding no longer allocates per line.\n\nBenchmarks are in the description. Could you take a look?",
		"Looks good overall. Two small comments inline about error handling for broken charsets.",
		"Fixed both, thanks. Merging after CI passes.",
	}},
	{false, "Trip to the coast", []string{
		"We're thinking of driving to the coast the weekend after next. Want to join? There's room for two more in the car.",
		"That sounds lovely. Which day would you leave?",
		"Saturday morning, around eight, and back on Sunday evening.",
	}},
	{false, "Invoice 2024-117", []string{
		"Dear customer,\n\nPlease find the details of invoice 2024-117 below. Payment is due within 30 days.\n\nKind regards,\nAccounts",
		"Thank you. Could you send it with our new billing address? It changed in March.",
		"Of course, a corrected copy is on its way.",
	}},
	{false, "Conference talk proposal", []string{
		"The call for papers closes on the 15th. I was thinking of a talk on building a mail client that works offline first. Interested in co-presenting?",
		"Yes! I can cover the sync engine and the cache.",
		"Great, I'll draft the abstract tonight and share it tomorrow.",
	}},
	{false, "Apartment viewing", []string{
		"Hi,\n\nThe apartment on Maple Avenue is available for viewing on Tuesday or Wednesday afternoon. Which suits you better?",
		"Wednesday at 4 pm would be perfect.",
		"Wednesday at 4 is booked. See you there.",
	}},
	{false, "Team offsite agenda", []string{
		"Draft agenda for the offsite:\n\n- 9:00 welcome and coffee\n- 9:30 retrospective\n- 11:00 roadmap\n- 13:00 lunch\n- 14:00 workshops\n- 17:00 dinner\n\nComments welcome.",
		"Can we shorten the roadmap session and add a demo slot?",
		"Good idea, I'll add a 30 minute demo slot after lunch.",
	}},
	{false, "Broken link on the download page", []string{
		"Hello, the Windows download link on your website returns a 404 since yesterday. Just letting you know.",
		"Thanks for the report! It's fixed now; the file was renamed during the release.",
	}},
	{false, "Photography walk this weekend", []string{
		"The photography club is meeting on Sunday at the old harbour at 7 am for the morning light. Bring a tripod if you have one.",
		"I'll be there. Is anyone bringing a spare lens cap? I lost mine.",
		"I have one you can borrow.",
	}},
	{false, "Release checklist", []string{
		"Before we tag the release: translations, changelog, screenshots, signed packages, and the announcement post. Who takes what?",
		"I'll do the changelog and the announcement.",
		"Screenshots and packages are mine.",
	}},
	{false, "Garden club seeds swap", []string{
		"Our spring seed swap is on the first Saturday of the month. I have too many tomato seeds again, if anyone wants some.",
		"I'd love some tomatoes. I can bring basil and coriander.",
	}},
	{true, "周末爬山活动", []string{
		"大家好！\n\n这个周六我们计划去香山爬山，早上八点在北门集合，预计下午三点左右返回。\n\n请大家带好水和午饭，有兴趣的回复我一下。",
		"我报名！需要带登山杖吗？",
		"登山杖可以带，山路有一段比较陡。天气预报说周六是晴天。",
	}},
	{true, "项目进度汇报", []string{
		"各位同事：\n\n本周项目进度如下：\n1. 同步模块已完成开发，正在测试；\n2. 搜索功能完成百分之七十；\n3. 界面翻译已全部提交。\n\n下周一上午十点开会讨论发布计划。",
		"收到。测试环境我今天下午会准备好。",
		"搜索功能预计下周三可以完成，届时再同步。",
	}},
	{true, "春节放假安排", []string{
		"各位好，\n\n根据公司安排，春节放假时间为除夕至正月初六，共七天。放假前请做好工作交接，并关闭办公室电源。\n\n祝大家新春快乐！",
		"谢谢通知，祝新年快乐！",
	}},
	{true, "关于下周会议的通知", []string{
		"大家好：\n\n下周二下午两点在三楼会议室召开季度总结会，请各组准备十分钟的汇报。\n\n如有冲突请提前告知。",
		"好的，我们组会准时参加。",
		"我那天上午出差，下午能赶回来。",
	}},
	{true, "读书会：《红楼梦》第五回", []string{
		"各位书友：\n\n下次读书会我们讨论《红楼梦》第五回「游幻境指迷十二钗」。这一回信息量很大，建议大家提前读两遍。\n\n时间：周四晚七点。",
		"太好了，这一回的判词我一直没完全读懂，期待讨论。",
		"我可以准备一份判词的注释，会前发给大家。",
	}},
	{true, "家庭聚餐", []string{
		"这周日中午全家在奶奶家吃饭，大家别忘了。我负责买菜，谁能带点水果？",
		"我带水果和饮料。",
		"我下午才能到，给我留点饺子！",
	}},
	{true, "报销流程更新", []string{
		"各位同事：\n\n从下月起，差旅报销改为线上提交，请在出差结束后十个工作日内上传发票照片。纸质发票仍需交到财务室。\n\n有问题请联系财务部。",
		"请问出租车票也需要上传吗？",
		"是的，所有票据都需要上传照片。",
	}},
	{true, "新版本测试反馈", []string{
		"新版本已经发到测试群了，主要改动是离线模式和新的设置页面。请大家试用两天，把问题直接回复到这封邮件。",
		"离线模式很好用！发现一个小问题：断网时发送的邮件，恢复网络后要等一会儿才发出去。",
		"设置页面的中文翻译有两处不通顺，我截图发给你。",
	}},
	{true, "中秋节礼品发放", []string{
		"大家好，中秋节礼品（月饼和水果）已经到了，请在本周五前到行政部领取。",
		"谢谢！请问可以帮同事代领吗？",
		"可以，签字时注明代领即可。",
	}},
	{true, "羽毛球活动报名", []string{
		"本周三晚上七点羽毛球活动照常进行，场地已订好四片。想参加的同事请回复。",
		"报名+1，我带一筒球。",
	}},
}

// Generic replies, used to make some threads longer.
var repliesEN = []string{
	"Sounds good to me.",
	"Thanks, I'll take a look this afternoon.",
	"Agreed. Let's go with that.",
	"Quick follow-up: any news on this?",
	"Sorry for the late reply, I was travelling. All fine on my side.",
	"Perfect, thank you!",
}

var repliesZH = []string{
	"好的，收到。",
	"没问题，我来安排。",
	"同意，就这么办。",
	"请问这件事有进展了吗？",
	"抱歉回复晚了，这几天在出差。我这边没问题。",
	"太好了，谢谢！",
}

var places = []string{"Hangzhou", "the lake", "the mountains", "Lisbon", "the city park", "the harbour", "Kyoto", "grandma's garden", "the museum", "the beach"}

var documents = []string{"Project proposal", "Budget overview", "Meeting notes", "Design spec", "Travel itinerary", "Contract draft", "Survey results", "User research summary", "Annual report", "Floor plan"}

var questions = []string{"the shared drive", "next week's schedule", "the printer on floor 2", "your recipe", "the train times", "the new API", "the guest list", "the spare keys", "the Wi-Fi password at the office", "the parking permit"}

var zhSubjects = []string{"会议纪要：产品评审", "会议纪要：周例会", "请查收本月报表", "关于办公室搬迁的说明", "培训课程安排", "图书馆借书提醒", "团建照片分享", "年度体检通知", "新同事介绍", "网络维护通知"}

var zhBodies = []string{
	"附件是本次会议的纪要，请大家查收。如有遗漏或错误，请在周五前告诉我。",
	"本月的数据已经整理好，主要指标都比上月有所提升，详细内容见附件。",
	"办公室将于下月初搬到新楼五层，搬迁期间请把个人物品装箱并贴好标签。",
	"下周起每周三下午有一次内部培训，第一次的主题是「如何写好技术文档」。",
	"上次团建的照片整理好了，挑了几张发给大家，完整相册在共享盘里。",
	"今年的体检安排在下个月中旬，请在系统里预约具体时间，体检前一天晚上十点后不要进食。",
	"欢迎新同事加入我们团队！她之前在上海做了三年前端开发，以后请大家多多关照。",
	"本周六凌晨两点到六点进行网络设备维护，期间内网和邮件服务可能中断。",
}

var paragraphsEN = []string{
	"I hope this finds you well. I wanted to follow up on our conversation from last week.",
	"Let me know what you think when you have a moment; there's no rush.",
	"I've attached the file so you have everything in one place.",
	"The numbers look better than we expected, mostly thanks to the changes in spring.",
	"If Tuesday doesn't work, Thursday afternoon is also free on my calendar.",
	"Thanks again for your help with this, it made a real difference.",
	"I'm around all week if you'd like to talk it through on a call.",
	"The weather was perfect and we walked much further than planned.",
}

var spamSubjects = []string{
	"You have WON a $1,000,000 prize!!!",
	"Cheap watches, 90% off today only",
	"恭喜您获得iPhone一部，请点击领取",
	"URGENT: verify your account now",
	"低价代开发票，联系QQ",
	"Your parcel could not be delivered",
	"Lose 10 kg in 10 days",
	"Investment opportunity with guaranteed returns",
}
