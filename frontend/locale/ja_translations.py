"""Japanese translations of the web UI, kept as a table and written into ja/LC_MESSAGES/django.po.

`frontend/locale/update.sh` re-extracts the messages, runs this to fill them in (it lists any
message the table lacks and exits 1), and compiles the catalogue.
"""
import re
import sys
from pathlib import Path

JA = {
    # The staff overview while its first figures are computed; a decision on a withdrawn suggestion.
    "The figures of this catalogue are being computed for the first time, in the background; on a large catalogue that takes a minute or so. This page reloads itself every %(seconds)s seconds until they are ready.":
        "このカタログの集計を初めてバックグラウンドで計算しています。大きなカタログでは1分ほどかかります。集計ができるまで、このページは %(seconds)s 秒ごとに再読み込みされます。",
    "The model no longer suggests this value: it was withdrawn while you were reviewing (a new model version or a taxonomy change). The page now shows the current suggestions.":
        "モデルはこの値をもう提案していません。確認中に取り下げられました（新しいモデルバージョンまたはタクソノミーの変更）。ページには現在の提案を表示しています。",
    # Activation: scoring progress, the warning about a worse version, the preview.
    "scoring chunk": "スコアリングの塊",
    "scoring chunks": "スコアリングの塊",
    "Worse than the active version on its held-out figures:": "評価用の商品での成績が有効なバージョンより低い項目:",
    "On %(products)s held-out products: %(dropped)s suggestions would go, %(added)s would be new, %(kept)s would stay.":
        "評価用の商品 %(products)s 件では、候補 %(dropped)s 件がなくなり、%(added)s 件が新しく出て、%(kept)s 件はそのままです。",
    "Activate version %(id)s?": "バージョン %(id)s を有効にしますか？",
    "Version %(id)s did worse than the active version %(active)s on the same held-out products. Activating it re-scores the whole catalogue with it; you can roll back afterwards.":
        "バージョン %(id)s は、同じ評価用の商品で有効なバージョン %(active)s より低い成績でした。有効にするとカタログ全体をこのバージョンで採点し直します。あとで元に戻すこともできます。",
    "Activate version %(id)s anyway": "それでもバージョン %(id)s を有効にする",
    "Keep the active version": "有効なバージョンのままにする",
    "Catalogue scoring with version %(id)s": "バージョン %(id)s によるカタログの採点",
    '<span data-field="chunks_done">%(done)s</span> of <span data-field="chunks_total">%(total)s</span> chunks (<span data-field="products_done">%(products)s</span> of <span data-field="products_total">%(products_total)s</span> products)':
        '<span data-field="chunks_total">%(total)s</span> 個中 <span data-field="chunks_done">%(done)s</span> 個の塊（<span data-field="products_total">%(products_total)s</span> 件中 <span data-field="products_done">%(products)s</span> 件の商品）',
    "Every product has been scored with the active version.": "すべての商品を有効なバージョンで採点しました。",
    # The review queue and bulk accept by target precision (issue 18, helper D).
    "The target precision must be between 0 and 1.": "目標の適合率は 0 から 1 の間で指定してください。",
    "The active model has no precision figures; give a minimum confidence instead.":
        "有効なモデルには適合率の記録がありません。代わりに最低の確信度を指定してください。",
    "No confidence reaches an estimated precision of %(target)s; give a minimum confidence instead.":
        "推定適合率 %(target)s に届く確信度がありません。代わりに最低の確信度を指定してください。",
    "All sellers": "すべての出品者",
    "The target precision must be a number between 0.5 and 1.": "目標の適合率は 0.5 から 1 の数で指定してください。",
    "Accept where estimated precision is at least": "推定適合率がこれ以上の候補を承認",
    "or confidence at least": "または確信度がこれ以上",
    "for attribute": "対象の属性",
    "%(counter)s product": "%(counter)s 件の商品",
    "%(counter)s suggestion": "%(counter)s 件の候補",
    "You reviewed %(counter)s today": "今日のレビュー: %(counter)s 件",
    "Across this filter:": "この絞り込み全体で:",
    "Accept across this filter…": "この絞り込み全体で承認…",
    "Accept selected": "選択した候補を承認",
    "Reject selected": "選択した候補を却下",
    "Select every row": "すべての行を選択",
    "Suggestion": "候補",
    "Score / cut-off": "スコア / しきい値",
    "Select %(attribute)s = %(value)s": "%(attribute)s = %(value)s を選択",
    "+%(counter)s more": "ほか %(counter)s 件",
    "Score %(score)s; the model suggests this attribute from %(threshold)s":
        "スコア %(score)s。この属性はスコア %(threshold)s から候補になります",
    "Accept across this filter": "この絞り込み全体で承認",
    "An estimated precision of %(target)s is a confidence of at least %(score)s (on the active model's validation slice).":
        "推定適合率 %(target)s は確信度 %(score)s 以上にあたります（有効なモデルの検証用データによる）。",
    "Accept %(counter)s suggestion of %(attribute)s with confidence at least %(score)s on %(products)s products?":
        "%(products)s 件の商品で、確信度 %(score)s 以上の %(attribute)s の候補 %(counter)s 件を承認しますか？",
    "Accept %(counter)s suggestion with confidence at least %(score)s on %(products)s products?":
        "%(products)s 件の商品で、確信度 %(score)s 以上の候補 %(counter)s 件を承認しますか？",
    "Accept them": "承認する",
    "No pending suggestion of this filter reaches that confidence.": "この絞り込みには、その確信度に届く未レビューの候補がありません。",
    "Back to the queue": "レビュー待ちに戻る",
    "to review": "レビュー待ち",
    "accepted": "承認済み",
    "rejected": "却下済み",
    "corrected": "修正済み",
    "All products": "すべての商品",
    "%(subject)s of %(seller)s": "%(seller)s の %(subject)s",
    "%(subject)s, %(status)s": "%(subject)s・%(status)s",
    "Tick the rows to act on first.": "先に対象の行を選択してください。",
    "Rejected %(count)d suggestion.": "%(count)d 件の候補を却下しました。",
    "Accepted %(count)d suggestion.": "%(count)d 件の候補を承認しました。",
    "Accepted %(count)d suggestion with confidence at least %(score).2f.":
        "確信度 %(score).2f 以上の候補 %(count)d 件を承認しました。",
    "Nothing left to accept: those suggestions have already been decided.":
        "承認するものは残っていません。それらの候補はすでにレビュー済みです。",
    "Error": "エラー",
    "Suggested by the active version": "有効なバージョンの候補",
    "Suggested by this version": "このバージョンの候補",
    "Suggested by both": "両方の候補",
    "No longer suggested": "出なくなる候補",
    "Newly suggested": "新しく出る候補",
    "Suggestions that would change (held-out products)": "変わる候補（評価用の商品）",
    "Decision thresholds": "判定しきい値",
    "Validation slice": "検証用データ",
    "Precision by confidence (validation slice)": "確信度ごとの適合率（検証用データ）",
    # The staff form: starting from the active version's settings.
    "The form starts from the settings model version %(id)s (the active one) was trained with: started with nothing changed, the run trains as that version did. An emptied field keeps that version's value. The run trains on every accepted label and every decision so far.":
        "このフォームは、有効なモデルバージョン %(id)s の学習設定から始まります。何も変えずに開始すると、そのバージョンと同じ設定で学習します。空にした項目はそのバージョンの値のままです。学習には、これまでに承認されたすべてのラベルとすべての判断が使われます。",
    "No active version to start from: empty fields keep the pipeline's defaults. The run trains on every accepted label and every decision so far.":
        "基準となる有効なバージョンがありません。空の項目はパイプラインの既定値になります。学習には、これまでに承認されたすべてのラベルとすべての判断が使われます。",
    "%(counter)s more option, kept as the active version had it": "その他 %(counter)s 個の設定（有効なバージョンと同じ値のまま）",
    # Keyboard review in place (issue 18): the correction list, undo across products, errors.
    "— choose a value —": "— 値を選択 —",
    "%(message)s (on product %(product)s)": "%(message)s（商品 %(product)s）",
    "product %(external_id)s": "商品 %(external_id)s",
    "on product %(external_id)s": "商品 %(external_id)s で",
    "This suggestion or product no longer exists, or you may not see it. Reload the page.":
        "この候補または商品はもう存在しないか、表示する権限がありません。ページを再読み込みしてください。",
    "The action could not be saved. Check the connection and try again.":
        "操作を保存できませんでした。接続を確認して、もう一度お試しください。",
    "Open that product": "その商品を開く",
    # Django's own defaults, repeated by frontend/templates/admin/base_site.html (as Django's
    # catalogue has them), so that extracting them leaves no entry empty or fuzzy.
    "Django site admin": "Django サイト管理",
    "Django administration": "Django 管理サイト",
    # Training runs: stages and the pipeline's own reasons for an ending.
    "copying the training data": "学習データを複製中",
    "preparing": "準備中",
    "training": "学習中",
    "validating": "検証中",
    "tuning thresholds": "しきい値を調整中",
    "saving the model": "モデルを保存中",
    "evaluating on held-out products": "評価用の商品で評価中",
    "finished": "完了",
    "cancelled": "取り消し",
    "failed": "失敗",
    "cancelled by staff": "スタッフが取り消しました",
    "cancelled by staff (its worker was lost)": "スタッフが取り消しました（ワーカーは失われていました）",
    "interrupted (the demo was stopped)": "中断されました（デモが停止されました）",
    "the run lost its worker %(count)d time (killed, out of memory?); the active model version is unchanged":
        "この実行はワーカーを %(count)d 回失いました（強制終了またはメモリ不足？）。有効なモデルバージョンは変わっていません",
    # The admin: its branding, the apps' and models' names, the taxonomy admin's messages.
    "Zokusei administration": "Zokusei 管理",
    "Zokusei admin": "Zokusei 管理",
    "Taxonomy, catalogue and model training": "属性体系・カタログ・モデル学習",
    "Accounts": "アカウント",
    "Catalogue": "カタログ",
    "Taxonomy": "属性体系",
    "Model training and suggestions": "モデル学習と候補",
    "sign-in failures": "サインイン失敗",
    "products": "商品",
    "labels": "ラベル",
    "slug": "スラッグ",
    "name": "名前",
    "seller": "出品者",
    "sellers": "出品者",
    "product id": "商品 ID",
    "The seller's own id; unique per seller.": "出品者自身の ID（出品者ごとに一意）。",
    "category": "カテゴリ",
    "categories": "カテゴリ",
    "title": "タイトル",
    "description": "説明",
    "created at": "作成日時",
    "updated at": "更新日時",
    "changed at": "変更日時",
    "product": "商品",
    "value": "値",
    "values": "値",
    "source": "出所",
    "created by": "作成者",
    "product label": "商品ラベル",
    "product labels": "商品ラベル",
    "suggestion": "候補",
    "suggestions": "候補",
    "review decision": "レビュー判断",
    "review decisions": "レビュー判断",
    "training snapshot": "学習スナップショット",
    "training snapshots": "学習スナップショット",
    "training run": "学習実行",
    "training runs": "学習実行",
    "model version": "モデルバージョン",
    "model versions": "モデルバージョン",
    "unsent task": "未送信タスク",
    "unsent tasks": "未送信タスク",
    "%(problem)s (names are counted after NFKC normalisation).": "%(problem)s（名前の長さは NFKC 正規化後に数えます）。",
    "Category path too long: %(problem)s.": "カテゴリのパスが長すぎます: %(problem)s。",
    "allowed pair": "許可ペア",
    "allowed pairs": "許可ペア",
    'allowed pairs (inherited by subcategories; "all values" is the file format\'s "*")':
        "許可ペア（サブカテゴリに継承されます。「すべての値」はファイル形式の \"*\" です）",
    "subcategories": "サブカテゴリ",
    "level": "階層",
    "top": "最上位",
    "level %(depth)d": "第 %(depth)d 階層",
    "Imported %(file)s: %(counts)s.": "%(file)s を取り込みました: %(counts)s。",
    "nothing changed": "変更なし",
    "Import taxonomy.json": "taxonomy.json を取り込む",
    "Export taxonomy.json": "taxonomy.json を書き出す",
    "Home": "ホーム",
    "Import": "取り込む",
    "Attributes, values and categories in the file are created when missing and never deleted; the aliases of each listed value and the pairs of each listed category become exactly the file's. The whole file is checked first: if anything is wrong, nothing is imported.":
        "ファイルにある属性・値・カテゴリは、なければ作成され、削除されることはありません。ファイルに載っている値の別名と、載っているカテゴリの許可ペアは、ファイルの内容とまったく同じになります。ファイル全体を先に検査し、問題が 1 つでもあれば何も取り込みません。",
    "path": "パス",
    "own attributes": "自身の属性",
    "relevant labels": "対象ラベル",
    "UTF-8 JSON in the format of docs/formats.md.": "docs/formats.md の形式の UTF-8 JSON。",
    "aliases": "別名",
    "Other surface forms, one per line.": "その他の表記（1 行に 1 つ）。",
    "Other surface forms of this value.": "この値のその他の表記。",
    "%(count)d aliases, more than the %(limit)d a value may have.": "別名が %(count)d 個あります。1 つの値に持てるのは %(limit)d 個までです。",
    "Alias %(number)d: %(problem)s": "別名 %(number)d: %(problem)s",
    "Attribute value: %(value)s": "属性値: %(value)s",
    "%(count)d product carries this value: the label is removed from it":
        "%(count)d 件の商品がこの値を持っています。そのラベルは商品から外されます",
    "%(count)d suggestion of it is deleted (%(pending)d still pending)":
        "この値の候補 %(count)d 件が削除されます（うち未レビュー %(pending)d 件）",
    "%(count)d review decision about it is deleted": "この値に関するレビュー判断 %(count)d 件が削除されます",
    "parent": "親カテゴリ",
    "attribute": "属性",
    "attributes": "属性",
    "attribute value": "属性値",
    "attribute values": "属性値",
    "all values": "すべての値",
    'Allow every value of the attribute ("*"), including values added later.':
        "この属性のすべての値（\"*\"）を許可します。後から追加される値も含みます。",
    "revision": "リビジョン",
    "taxonomy revision": "属性体系リビジョン",
    "taxonomy revisions": "属性体系リビジョン",
    "This suggestion has already been decided; undo that decision first to change it.":
        "この候補はすでに判断済みです。変更するには先にその判断を取り消してください。",
    "Choose another value of %(attribute)s that this category allows.":
        "このカテゴリで使える %(attribute)s の別の値を選んでください。",
    "“%(name)s” is not a value of %(attribute)s that this category allows.":
        "「%(name)s」は、このカテゴリで使える %(attribute)s の値ではありません。",
    "Search %(counter)s value": "%(counter)s 件の値から検索",
    "Too many failed sign-ins for this user name or from this address. Try again in %(minutes)d minute.":
        "このユーザー名またはこのアドレスからのサインイン失敗が多すぎます。%(minutes)d 分後にもう一度お試しください。",
    "Attempts": "試行回数",
    "The run was started over after its worker was lost": "ワーカーが失われたため、この実行は最初からやり直されました",
    "Scoring failed": "スコアリング失敗",
    "The task queue (broker) is unreachable: the run is saved and will be sent to the workers as soon as it is back.":
        "タスクキュー（ブローカー）に接続できません。実行は保存済みで、復旧しだいワーカーに送られます。",
    "Artifact removed": "成果物は削除済み",
    "The confidence must be between 0 and 1.": "確信度は 0 から 1 の間で指定してください。",
    "Micro precision": "マイクロ適合率",
    "Micro recall": "マイクロ再現率",
    "Micro F1": "マイクロ F1",
    "Macro precision": "マクロ適合率",
    "Macro recall": "マクロ再現率",
    "Macro F1": "マクロ F1",
    "P@1": "P@1",
    "P@3": "P@3",
    "P@5": "P@5",
    "Labels": "ラベル数",
    "Products": "商品数",
    "Threshold": "しきい値",
    "High (≥10,000 training examples)": "高頻度（学習例 10,000 件以上）",
    "Medium (1,000–9,999)": "中頻度（1,000〜9,999 件）",
    "Low (100–999)": "低頻度（100〜999 件）",
    "Rare (1–99)": "まれ（1〜99 件）",
    "Held-out figures (precision, recall, F1 and P@k in %)": "評価用データでの数値（適合率・再現率・F1・P@k は %）",
    "Measure": "指標",
    "Value": "値",
    "Frequency groups": "頻度グループ別",
    "Group": "グループ",
    "The loss curve appears once training has started.": "学習が始まると損失曲線が表示されます。",
    "Training loss": "学習損失",
    "Loss from %(first).4g at step %(x0)d to %(last).4g at step %(x1)d":
        "損失はステップ %(x0)d の %(first).4g からステップ %(x1)d の %(last).4g へ",
    "step %(step)d": "ステップ %(step)d",
    "Sort": "並び順",
    "Least certain first": "確信度が低い順（0.5 に近い順）",
    "Highest confidence first": "確信度が高い順",
    "Newest first": "新しい順",
    "Title contains": "商品名に含む",
    "Category": "カテゴリ",
    "All categories": "すべてのカテゴリ",
    "Attribute": "属性",
    "All attributes": "すべての属性",
    "Confidence from": "確信度（下限）",
    "Confidence to": "確信度（上限）",
    "Status": "状態",
    "To review": "未確認",
    "Accepted": "承認済み",
    "Rejected": "却下済み",
    "Corrected": "修正済み",
    "Withdrawn": "取り下げ",
    "Accept all with confidence at least": "確信度がこの値以上をすべて承認",
    "Epochs": "エポック数",
    "Learning rate (encoder)": "学習率（エンコーダ）",
    "Batch size": "バッチサイズ",
    "Maximum length (tokens)": "最大長（トークン）",
    "Encoder": "エンコーダ",
    "Queued": "待機中",
    "Running": "実行中",
    "Succeeded": "成功",
    "Failed": "失敗",
    "Cancelled": "中止",
    "imported": "インポート",
    "entered by the seller": "出品者が入力",
    "accepted suggestion": "承認した候補",
    "accepting": "承認",
    "rejecting": "却下",
    "correcting": "修正",
    "Decisions": "判断数",
    "Acceptance rate": "承認率",
    "No decisions yet.": "まだ判断はありません。",
    "Skip to content": "本文へ移動",
    "Demo: the catalogue on this site is synthetic demo data, not real products.":
        "デモ：このサイトの商品カタログは合成したデモデータで、実在の商品ではありません。",
    "Main": "メイン",
    "Review queue": "レビュー待ち",
    "Overview": "概要",
    "Training runs": "学習ジョブ",
    "Model versions": "モデルのバージョン",
    "Taxonomy admin": "属性体系の管理",
    "Language": "言語",
    "Switch": "切り替え",
    "Sign out": "ログアウト",
    "Sign in": "ログイン",
    "Your user name and password did not match. Please try again.":
        "ユーザー名とパスワードが一致しません。もう一度お試しください。",
    "User name": "ユーザー名",
    "Password": "パスワード",
    "Catalogue overview": "カタログの概要",
    "Products with values": "属性値のある商品",
    "Suggestions to review": "未確認の候補",
    "Acceptance rate per attribute": "属性別の承認率",
    "Acceptance rate per model version": "モデルのバージョン別の承認率",
    "Model version": "モデルのバージョン",
    "Completeness per category": "カテゴリ別の充足率",
    "Share of the relevant attributes of each product that have a value.": "各商品の該当する属性のうち、値が入っている割合。",
    "Relevant attributes": "該当する属性",
    "Values": "値の数",
    "Completeness": "充足率",
    "No products yet.": "まだ商品はありません。",
    "%(seller)s · id %(external_id)s": "%(seller)s ・ 商品 ID %(external_id)s",
    "Description": "説明",
    "No description.": "説明はありません。",
    "Current values": "現在の属性値",
    "No values yet.": "まだ属性値はありません。",
    "Suggestions": "候補",
    "%(counter)s to review": "未確認 %(counter)s 件",
    "Accept all above": "まとめて承認",
    "Undo %(action)s %(attribute)s: %(value)s": "%(attribute)s：%(value)s の%(action)sを取り消す",
    "Undo last decision": "直前の判断を取り消す",
    "Next product": "次の商品",
    "Keyboard shortcuts": "キーボード操作",
    "Reject the rest of %(attribute)s": "%(attribute)s の残りを却下",
    "confidence %(score)s": "確信度 %(score)s",
    "Model confidence": "モデルの確信度",
    "Accept": "承認",
    "Reject": "却下",
    "Correct to": "修正先",
    "Correct": "修正",
    "No suggestions for this product.": "この商品への候補はありません。",
    "Next / previous suggestion": "次 / 前の候補",
    "Accept the selected suggestion": "選択中の候補を承認",
    "Reject the selected suggestion": "選択中の候補を却下",
    "Correct: choose another value (arrow keys, then Enter; Escape to go back)":
        "修正：別の値を選ぶ（矢印キーで選び Enter、Esc で戻る）",
    "Undo the last decision": "直前の判断を取り消す",
    "Show or hide this help": "このヘルプの表示・非表示",
    "Close": "閉じる",
    "Filter the queue": "レビュー待ちを絞り込む",
    "Apply": "適用",
    "Reset": "リセット",
    "Keyboard: j / k move between products, Enter opens one.": "キーボード：j / k で商品を移動、Enter で開きます。",
    "Products with suggestions": "候補のある商品",
    "Product": "商品",
    "Seller": "出品者",
    "Highest confidence": "最高の確信度",
    "Closest to 0.5": "0.5 との差（最小）",
    "Nothing to review here.": "確認するものはありません。",
    "Pages": "ページ",
    "Previous": "前へ",
    "Page %(number)s": "%(number)s ページ",
    "Next": "次へ",
    "Training run %(id)s": "学習ジョブ %(id)s",
    "Progress": "進捗",
    "Epoch": "エポック",
    "Step": "ステップ",
    "Throughput (sequences/s)": "処理速度（件/秒）",
    "Started by": "開始した人",
    "Created": "作成日時",
    "Cancellation requested": "中止を依頼済み",
    "Cancel this run": "このジョブを中止",
    "Loss curve": "損失曲線",
    "Evaluation on held-out products": "評価用の商品での評価",
    "The figures appear when the run has finished.": "ジョブが終わると数値が表示されます。",
    "The version that was active, on the same held-out products": "それまで有効だったバージョンの、同じ評価用商品での数値",
    "Parameters": "パラメータ",
    "Start a training run": "学習ジョブを開始",
    "Empty fields keep the pipeline's defaults. The run trains on every accepted label and every decision so far.":
        "空欄の項目は既定値のままです。これまでのすべての属性値と判断を使って学習します。",
    "Start training": "学習を開始",
    "Training runs, newest first": "学習ジョブ（新しい順）",
    "Run": "ジョブ",
    "Progress of run %(id)s": "ジョブ %(id)s の進捗",
    "active": "有効",
    "No training runs yet.": "まだ学習ジョブはありません。",
    "Model versions, newest first": "モデルのバージョン（新しい順）",
    "Version": "バージョン",
    "Training run": "学習ジョブ",
    "Action": "操作",
    "Active": "有効",
    "Activate version %(id)s": "バージョン %(id)s を有効にする",
    "Roll back to version %(id)s": "バージョン %(id)s に戻す",
    "Compare two versions": "2 つのバージョンを比較",
    "Left": "左",
    "Right": "右",
    "Compare": "比較",
    "Version %(a)s and version %(b)s (precision, recall, F1 and P@k in %%)":
        "バージョン %(a)s とバージョン %(b)s（適合率・再現率・F1・P@k は %%）",
    "Version %(id)s": "バージョン %(id)s",
    "Difference": "差",
    "These versions have no figures.": "これらのバージョンには数値がありません。",
    "Only one version exists so far.": "バージョンはまだ 1 つだけです。",
    "No model versions yet: start a training run.": "まだモデルのバージョンはありません。学習ジョブを開始してください。",
    "Accepted %(attribute)s: %(value)s.": "%(attribute)s：%(value)s を承認しました。",
    "Rejected %(attribute)s: %(value)s.": "%(attribute)s：%(value)s を却下しました。",
    "Corrected %(attribute)s: %(value)s → %(corrected)s.": "%(attribute)s：%(value)s を %(corrected)s に修正しました。",
    "Choose the value to use instead.": "代わりに使う値を選んでください。",
    "The confidence must be a number between 0 and 1.": "確信度は 0 から 1 の間の数で指定してください。",
    "Accepted %(count)d suggestions with confidence at least %(score).2f.":
        "確信度 %(score).2f 以上の候補 %(count)d 件を承認しました。",
    "Rejected %(count)d remaining suggestions.": "残りの候補 %(count)d 件を却下しました。",
    "There is no decision to undo.": "取り消せる判断はありません。",
    "Undone: %(attribute)s: %(value)s is pending again.": "取り消しました：%(attribute)s：%(value)s は未確認に戻りました。",
    "Undone: %(count)d suggestions are pending again.": "取り消しました：%(count)d 件の候補が未確認に戻りました。",
    "No more products to review.": "確認する商品はもうありません。",
    "Cancellation requested.": "中止を依頼しました。",
    "Model version %(id)d is now active.": "モデルのバージョン %(id)d を有効にしました。",
    "Rolled back: model version %(id)d is active again.": "元に戻しました：モデルのバージョン %(id)d が再び有効です。",
    "Page not found": "ページが見つかりません",
    "This page does not exist, or it belongs to another seller.": "このページは存在しないか、別の出品者のものです。",
    "Back to the review queue": "レビュー待ちに戻る",
    "Access denied": "アクセスできません",
    "This page is for staff only.": "このページはスタッフ専用です。",
    # Scale (issue 15) and the model following the taxonomy (issue 17).
    'catalogue summary':
        'カタログ集計',
    'catalogue summaries':
        'カタログ集計',
    'Choose a category to list its attributes.':
        'カテゴリを選ぶと、その属性が一覧に出ます。',
    'Figures as of %(when)s (%(since)s ago), recomputed every %(minutes)s minutes.':
        '%(when)s 時点の集計です（%(since)s 前）。%(minutes)s 分ごとに再集計します。',
    'Recompute now':
        '今すぐ再集計',
    'The %(shown)s attributes with the most decisions, of %(total)s.':
        '判定の多い %(shown)s 属性を表示しています（全 %(total)s 属性）。',
    'The %(shown)s least complete categories, of %(total)s with products.':
        '充足率の低い %(shown)s カテゴリを表示しています（商品のある全 %(total)s カテゴリ）。',
    'Least complete first.':
        '充足率の低い順です。',
    'at least %(count)s products':
        '商品 %(count)s 件以上',
    'at least %(count)s suggestions':
        '候補 %(count)s 件以上',
    'The figures are being recomputed; reload this page in a moment.':
        '再集計しています。しばらくしてからこのページを再読み込みしてください。',
    'scored category':
        '採点済みのカテゴリ',
    'scored categories':
        '採点済みのカテゴリ',
    'The chart appears once a model version has been evaluated.':
        'モデルのバージョンが評価されると、グラフが表示されます。',
    'F1 of each model version against decisions made':
        '判断の数に対する各モデルバージョンの F1',
    '%(versions)d versions, from %(first)d to %(last)d decisions':
        '%(versions)d 個のバージョン、判断 %(first)d 件から %(last)d 件まで',
    '%(n)d decisions':
        '判断 %(n)d 件',
    'Warm start':
        'ウォームスタート',
    "Start from the active version's weights and train on what changed since its data, plus a replay sample of the rest: faster than a full run.":
        '有効なバージョンの重みから始め、そのデータ以降に変わった商品と、残りから抜き出した一部だけで学習します。全体の学習より速く終わります。',
    'What the decisions taught the model':
        '判断からモデルが学んだこと',
    "Each point is a model version: the decisions sellers had made when its training data was frozen, and its F1 on its own run's held-out products (each run holds out different products, so compare trends, not single points).":
        '各点はモデルのバージョンです。横軸は学習データを固定した時点までに出品者が行った判断の数、縦軸はその学習の評価用の商品での F1 です（評価用の商品は学習ごとに異なるため、個々の点ではなく傾向を比べてください）。',
}

_ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$')


def _quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _without_fuzzy(line: str) -> str:
    if not line.startswith("#,"):
        return line
    flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
    return "#, " + ", ".join(flags) if flags else "#"


def fill(po_path: Path) -> list[str]:
    """Write the table's translations into the .po file; return msgids left untranslated."""
    blocks = po_path.read_text(encoding="utf-8").split("\n\n")
    missing, out = [], []
    for block in blocks:
        lines = block.split("\n")
        fields, current = {}, None
        for line in lines:
            match = _ENTRY.match(line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        msgid = fields.get("msgid")
        if not msgid:
            out.append(block)
            continue
        key = msgid.replace('\\"', '"').replace("\\n", "\n")
        translation = JA.get(key)
        head = [line for line in lines if line.startswith("#")]
        if translation is not None:
            # The table's translation is the reviewed one: drop makemessages' fuzzy guesses (msgfmt
            # would leave a fuzzy entry out of the catalogue) and the old msgid they came from.
            head = [_without_fuzzy(line) for line in head if not line.startswith("#|")]
            head = [line for line in head if line != "#"]
        if translation is None:
            missing.append(key)
        body = [f'msgid "{fields["msgid"]}"']
        if "msgid_plural" in fields:
            body.append(f'msgid_plural "{fields["msgid_plural"]}"')
            body.append(f'msgstr[0] "{_quote(translation or "")}"')
        else:
            body.append(f'msgstr "{_quote(translation or "")}"')
        out.append("\n".join(head + body))
    text = "\n\n".join(out)
    # The header is complete, not a draft: msgfmt ignores a fuzzy header's charset.
    text = text.replace("#, fuzzy\nmsgid \"\"", "msgid \"\"", 1).replace('"Language: \\n"', '"Language: ja\\n"', 1)
    po_path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return missing


if __name__ == "__main__":
    po = Path(__file__).resolve().parent / "ja" / "LC_MESSAGES" / "django.po"
    left = fill(po)
    for msgid in left:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    sys.exit(1 if left else 0)
